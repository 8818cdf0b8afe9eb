import { describe, expect, it } from "vitest";
import type { AuditEventView, OrgView } from "../../worker/views/index.ts";
import { ApiError } from "../../web/src/api.ts";
import { auditExportUrl, auditQuery, dayStart, rangeProblem, type AuditFilters } from "../../web/src/org-admin/audit-query.ts";
import { actorLabel, detailLines, targetLabel } from "../../web/src/org-admin/audit-view.ts";
import { domainProblem, draftOf, draftProblems, normalizeDomain, patchOf, seatCapOf, serverProblems, type SettingsField } from "../../web/src/org-admin/settings.ts";

const org: OrgView = {
  id: "org_1",
  slug: "acme",
  name: "Acme",
  plan: "free",
  seatLimit: 5,
  status: "active",
  autoPrivateProject: false,
  allowedEmailDomains: ["acme.com"],
  defaultInviteTtlDays: 7,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
};

const all = new Set<SettingsField>(["name", "seatLimit", "defaultInviteTtlDays", "allowedEmailDomains"]);

describe("the settings form", () => {
  it("sends only what differs from the organization as it is", () => {
    expect(patchOf(draftOf(org), org)).toEqual({});
    expect(patchOf({ ...draftOf(org), name: "  Acme Inc ", defaultInviteTtlDays: "14" }, org)).toEqual({ name: "Acme Inc", defaultInviteTtlDays: 14 });
    expect(patchOf({ ...draftOf(org), allowedEmailDomains: [] }, org)).toEqual({ allowedEmailDomains: [] });
    expect(patchOf({ ...draftOf(org), seatLimit: "40" }, org)).toEqual({ seatLimit: 40 });
  });

  it("checks the fields that changed before sending, with the API's limits", () => {
    expect(draftProblems(draftOf(org), all)).toEqual({});
    const wrong = draftProblems({ ...draftOf(org), name: " ", seatLimit: "2.5", defaultInviteTtlDays: "31" }, all);
    expect(Object.keys(wrong).sort()).toEqual(["defaultInviteTtlDays", "name", "seatLimit"]);
    expect(wrong.defaultInviteTtlDays).toBe("Enter a number of days from 1 to 30.");
    expect(draftProblems({ ...draftOf(org), seatLimit: "10000001" }, all).seatLimit).toBeDefined();
    expect(draftProblems({ ...draftOf(org), defaultInviteTtlDays: "0" }, new Set<SettingsField>(["name"]))).toEqual({});
  });

  it("takes a domain as the API keeps it, once", () => {
    expect(normalizeDomain(" @Example.COM. ")).toBe("example.com");
    expect(domainProblem("example.com", ["acme.com"])).toBeNull();
    expect(domainProblem("acme.com", ["acme.com"])).toBe("acme.com is already in the list.");
    expect(domainProblem("ada@acme.com", [])).toMatch(/only the part after @/);
    for (const bad of ["localhost", "-acme.com", "acme..com", "acme.c"]) expect(domainProblem(bad, []), bad).toMatch(/not a domain/);
    expect(domainProblem("", [])).toMatch(/Enter a domain/);
    expect(domainProblem("z.com", Array.from({ length: 50 }, (_, i) => `d${i}.com`))).toBe("At most 50 domains.");
  });

  it("puts the API's refusals beside their fields, and the cap's refusal beside the seat limit", () => {
    const cap = new ApiError(403, { code: "seat_limit_cap", message: "Without billing, an organization can have at most 2000 seats.", details: { cap: 2000 } });
    expect(serverProblems(cap)).toEqual({ seatLimit: "Without billing, an organization can have at most 2000 seats." });
    expect(seatCapOf(cap)).toBe(2000);
    const invalid = new ApiError(400, {
      code: "validation_failed",
      message: "The request is invalid.",
      details: {
        issues: [
          { path: "allowedEmailDomains.1", message: "Not a domain name." },
          { path: "status", message: "Invalid option" },
          { path: "", message: "Send at least one field." },
        ],
      },
    });
    expect(serverProblems(invalid)).toEqual({ allowedEmailDomains: "Domain 2: Not a domain name.", form: "Invalid option Send at least one field." });
    const forbidden = new ApiError(403, { code: "forbidden", message: "Only owners can do this." });
    expect(serverProblems(forbidden)).toEqual({ form: "Could not save the settings: Only owners can do this." });
  });
});

describe("the audit trail's filters", () => {
  const none: AuditFilters = { actor: "", action: "", target: "", from: "", to: "" };

  it("asks the API for whole days in the reader's time zone, the last day included", () => {
    const query = auditQuery({ actor: " ada@acme.com ", action: "member", target: " inv_123 ", from: "2026-03-01", to: "2026-03-31" }, 42, 50);
    expect(query.get("actor")).toBe("ada@acme.com");
    expect(query.get("action")).toBe("member");
    expect(query.get("target")).toBe("inv_123");
    expect(query.get("cursor")).toBe("42");
    expect(new Date(query.get("since") ?? "").getTime()).toBe(new Date(2026, 2, 1).getTime());
    expect(new Date(query.get("until") ?? "").getTime()).toBe(new Date(2026, 3, 1).getTime());
    expect([...auditQuery(none, null, 50).keys()]).toEqual(["limit"]);
  });

  it("downloads the whole trail with the same filters, no page size or cursor", () => {
    const url = new URL(auditExportUrl("acme co", { actor: "ada", action: "member", target: "usr_1", from: "2026-03-01", to: "" }, "csv"), "http://x");
    expect(url.pathname).toBe("/api/v1/orgs/acme%20co/audit/export");
    expect([...url.searchParams.keys()].sort()).toEqual(["action", "actor", "format", "since", "target"]);
    expect(url.searchParams.get("format")).toBe("csv");
    expect(auditExportUrl("acme", none, "json")).toBe("/api/v1/orgs/acme/audit/export?format=json");
  });

  it("refuses a range that ends before it starts, or a day that does not parse", () => {
    expect(rangeProblem({ ...none, from: "2026-03-02", to: "2026-03-01" })).toBe("The end date is before the start date.");
    expect(rangeProblem({ ...none, from: "2026-03-01", to: "2026-03-01" })).toBeNull();
    expect(rangeProblem({ ...none, from: "March" })).toBe("Enter a valid start date.");
    expect(dayStart("2026-12-31", 1)?.getFullYear()).toBe(2027);
  });
});

describe("the audit trail's words", () => {
  const event = (change: Partial<AuditEventView>): AuditEventView => ({
    id: 1,
    at: "2026-01-01T00:00:00.000Z",
    actorType: "user",
    actorId: "usr_ada",
    action: "org.updated",
    targetType: "org",
    targetId: "org_1",
    data: {},
    ...change,
  });
  const names = { usr_ada: { name: "Ada", detail: "ada@acme.com" }, key_ci: { name: "ci", detail: "rk_abc" }, inv_1: { name: "@bob", detail: null } };

  it("names actors: people, you, keys, Roster itself, and former members", () => {
    expect(actorLabel(event({}), names, "usr_other")).toEqual({ name: "Ada", detail: "ada@acme.com" });
    expect(actorLabel(event({}), names, "usr_ada").name).toBe("Ada (you)");
    expect(actorLabel(event({ actorType: "api_key", actorId: "key_ci" }), names, undefined)).toEqual({ name: "API key “ci”", detail: "rk_abc…" });
    expect(actorLabel(event({ actorType: "system", actorId: null }), names, undefined).name).toBe("Roster");
    expect(actorLabel(event({ actorId: "usr_gone" }), names, undefined)).toEqual({ name: "A former member", detail: "usr_gone" });
  });

  it("names targets, and shows what changed", () => {
    expect(targetLabel(event({}), names)).toBe("The organization");
    expect(targetLabel(event({ targetType: "invitation", targetId: "inv_1" }), names)).toBe("@bob");
    expect(targetLabel(event({ targetType: "member", targetId: "usr_gone" }), names)).toBe("A former member");
    const changed = event({ data: { changes: { name: { from: "Acme", to: "Acme Inc" }, allowedEmailDomains: { from: [], to: ["acme.com"] } } } });
    expect(detailLines(changed, names)).toEqual(["Name: Acme → Acme Inc", "Allowed email domains: none → acme.com"]);
    const role = event({ action: "member.role_changed", targetType: "member", data: { from: "member", to: "admin" } });
    expect(detailLines(role, names)).toEqual(["Role: member → admin"]);
    const transfer = event({ action: "org.ownership_transferred", data: { from: "usr_ada", to: "usr_gone", previousRole: "member" } });
    expect(detailLines(transfer, names)).toEqual(["Owner: Ada → usr_gone", "Previous role: member"]);
    expect(detailLines(event({ action: "member.removed", data: { role: "member", by: "usr_ada" } }), names)).toEqual(["Role: member", "By: Ada"]);
  });
});
