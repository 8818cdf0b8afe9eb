import { describe, expect, it } from "vitest";
import { confirmsDeletion, deletedOrgExportDays, mayExportDeleted } from "../../worker/domain/org-lifecycle.ts";
import { confirmsDeletion as dashboardConfirms } from "../../web/src/lifecycle/lifecycle.ts";

const dayMs = 86_400_000;

describe("a deleted organization's audit export", () => {
  const deletedAt = new Date("2026-12-01T12:00:00Z");
  const org = { deletedAt, deletedOwnerIds: ["usr_a", "usr_b"] };

  it("is open to the owners of the moment of deletion, until the end of the export period and not a millisecond after", () => {
    expect(deletedOrgExportDays).toBe(30);
    expect(mayExportDeleted(org, "usr_a", deletedAt.getTime())).toBe(true);
    expect(mayExportDeleted(org, "usr_b", deletedAt.getTime() + 30 * dayMs - 1)).toBe(true);
    expect(mayExportDeleted(org, "usr_b", deletedAt.getTime() + 30 * dayMs)).toBe(false);
  });

  it("is closed to everyone else, and for an organization that was not deleted", () => {
    expect(mayExportDeleted(org, "usr_c", deletedAt.getTime())).toBe(false);
    expect(mayExportDeleted({ deletedAt: null, deletedOwnerIds: ["usr_a"] }, "usr_a", deletedAt.getTime())).toBe(false);
    expect(mayExportDeleted({ deletedAt, deletedOwnerIds: null }, "usr_a", deletedAt.getTime())).toBe(false);
  });
});

describe("the deletion's confirmation", () => {
  it("is the slug typed exactly (not trimmed, not case-folded), in the API and the dashboard alike", () => {
    for (const confirms of [confirmsDeletion, dashboardConfirms]) {
      expect(confirms("acme-2", "acme-2")).toBe(true);
      expect(confirms("kilo", "kilo")).toBe(true);
      for (const wrong of ["", "acme", "acme-2x", "acme 2", " acme-2", "acme-2 ", "ACME-2", "  acme-2\u00a0", "Acme-2"]) {
        expect(confirms("acme-2", wrong), JSON.stringify(wrong)).toBe(false);
      }
      // The Kelvin sign lower-cases to "k": a look-alike, not the slug.
      expect(confirms("kilo", "\u212Ailo")).toBe(false);
      expect(confirms("kilo", "KILO")).toBe(false);
    }
    expect(confirmsDeletion("acme-2", undefined)).toBe(false);
  });
});
