import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../worker/lib/hash.ts";
import { newId, randomToken } from "../../worker/lib/ids.ts";

describe("tokens", () => {
  it("hashes with SHA-256 as lower-case hex (FIPS 180-2 test vectors, and UTF-8 text)", async () => {
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(await sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    // Text is hashed as its UTF-8 bytes (c3 a9), not as Latin-1.
    expect(await sha256Hex("é")).toBe("4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c");
  });

  it("makes random tokens of base64url without padding, never the same twice", () => {
    const tokens = Array.from({ length: 200 }, () => randomToken(32));
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(randomToken(3)).toMatch(/^[A-Za-z0-9_-]{4}$/);
    // Every alphabet letter shows up over enough tokens, the URL-safe ones included.
    const seen = new Set(Array.from({ length: 400 }, () => randomToken(32)).join(""));
    expect(seen.has("-") && seen.has("_")).toBe(true);
    expect([...seen].some((c) => c === "+" || c === "/" || c === "=")).toBe(false);
  });

  it("makes ids with their prefix that sort by time", () => {
    const early = newId("inv", 1_700_000_000_000);
    const late = newId("inv", 1_800_000_000_000);
    expect(early).toMatch(/^inv_[0-9a-z]{9}[0-9a-z]{8,}$/);
    expect(early < late).toBe(true);
    expect(newId("inv", 1)).not.toBe(newId("inv", 1));
  });
});
