import { describe, expect, it } from "vitest";
import { cleanName, isWellFormedText, prefixWithin } from "../../worker/domain/text.ts";

describe("free text", () => {
  it("tells a lone surrogate from a pair", () => {
    expect(isWellFormedText("Ada 😀")).toBe(true);
    expect(isWellFormedText("Ada \ud83d")).toBe(false);
    expect(isWellFormedText("\ude00 Ada")).toBe(false);
  });

  it("cleans a name: NFKC, invisible and control characters out, white space collapsed", () => {
    expect(cleanName("  Ｃｈｕｒｎ\u200B  \t model\u202E\u0007 ")).toBe("Churn model");
    expect(cleanName("\u200B\u2060\uFEFF")).toBe("");
    expect(cleanName("a\nb")).toBe("a b");
  });

  it("cuts on code points within a UTF-16 budget", () => {
    expect(prefixWithin(`${"a".repeat(89)}😀b`, 90)).toBe("a".repeat(89));
    expect(prefixWithin(`${"a".repeat(88)}😀b`, 90)).toBe(`${"a".repeat(88)}😀`);
    expect(prefixWithin("short", 90)).toBe("short");
  });
});
