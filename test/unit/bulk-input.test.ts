import { describe, expect, it } from "vitest";
import { chunks, inviteeProblem, parseInviteRows, splitCells } from "../../web/src/members/bulk-input.ts";

describe("a bulk invitation's rows from pasted lines or a CSV file", () => {
  it("reads an invitee and an optional role per line, skipping blanks, comments and a header", () => {
    const text = "email,role\r\nAda@Example.com, Admin\n\n# later\ngrace@example.com\nlinus-t;restricted\n";
    expect(parseInviteRows(text, "member", "owner")).toEqual({
      rows: [
        { line: 2, invitee: "ada@example.com", role: "admin" },
        { line: 5, invitee: "grace@example.com", role: "member" },
        { line: 6, invitee: "linus-t", role: "restricted" },
      ],
      problems: [],
    });
  });

  it("reports each bad line on its own, with why, instead of refusing the list", () => {
    const text = "ok@example.com\nnot an email\nx@example.com,chief\nboss@example.com,owner\nOK@example.com\na,b,c\n-bad-";
    const { rows, problems } = parseInviteRows(text, "member", "admin");
    expect(rows.map((r) => r.invitee)).toEqual(["ok@example.com"]);
    expect(problems.map((p) => [p.line, p.message])).toEqual([
      [2, "Not a username (or an email address)."],
      [3, 'Unknown role "chief": use owner, admin, member, restricted.'],
      [4, "You cannot invite with the role owner, above your own."],
      [5, "Listed already on line 1."],
      [6, "Expected an invitee and a role, nothing more."],
      [7, "Not a username (or an email address)."],
    ]);
  });

  it("takes quoted cells as CSV writes them", () => {
    expect(splitCells('"ada@example.com","admin"')).toEqual(["ada@example.com", "admin"]);
    expect(splitCells('"a ""quoted"" cell",x')).toEqual(['a "quoted" cell', "x"]);
  });

  it("checks addresses as the API's schema does", () => {
    expect(inviteeProblem("ada@example.com")).toBeNull();
    expect(inviteeProblem("ada@localhost")).toBe("Not an email address.");
    expect(inviteeProblem("ada-lovelace")).toBeNull();
    expect(inviteeProblem("a")).toBe("Not a username (or an email address).");
  });

  it("caps a list at 10,000 rows", () => {
    const text = Array.from({ length: 10_002 }, (_, i) => `p${i}@example.com`).join("\n");
    const { rows, problems } = parseInviteRows(text, "member", "owner");
    expect(rows).toHaveLength(10_000);
    expect(problems.map((p) => p.line)).toEqual([10_001, 10_002]);
  });

  it("sends a long list in chunks the bulk API takes", () => {
    expect(chunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunks(Array.from({ length: 2500 }), 1000).map((c) => c.length)).toEqual([1000, 1000, 500]);
  });
});
