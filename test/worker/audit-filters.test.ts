import { beforeAll, describe, expect, it } from "vitest";
import { exports } from "cloudflare:workers";
import { call, createOrg, origin, seedMember, signIn, uniqueEmail, type SignedIn } from "./support/client.ts";
import type { AuditEventView } from "../../worker/views/audit-event.ts";

type AuditEvent = AuditEventView;

interface AuditPage {
  events: AuditEvent[];
  nextCursor: number | null;
  names: Record<string, { name: string; detail: string | null }>;
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

let owner: SignedIn;
let admin: SignedIn;
let org: { id: string; slug: string };
let key: { id: string; name: string; prefix: string; secret: string };
let invited: { carol: string; dave: string; erin: string };
let revokedAt: string;

async function trail(query: string, who: { cookie?: string; bearer?: string } = { cookie: owner.cookie }): Promise<AuditPage> {
  const answer = await call<AuditPage>("GET", `/api/v1/orgs/${org.slug}/audit?limit=200&${query}`, who);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

async function exportResponse(query: string): Promise<Response> {
  const response = await exports.default.fetch(`${origin}/api/v1/orgs/${org.slug}/audit/export?${query}`, { headers: { cookie: owner.cookie } });
  expect(response.status).toBe(200);
  return response;
}

async function fetchExport(query: string): Promise<AuditEvent[]> {
  return (await exportResponse(query)).json<AuditEvent[]>();
}

async function invite(who: { cookie?: string; bearer?: string }, invitee: string): Promise<string> {
  const answer = await call<{ invitation: { id: string } }>("POST", `/api/v1/orgs/${org.slug}/invitations`, { ...who, body: { invitee } });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  await pause();
  return answer.body.invitation.id;
}

beforeAll(async () => {
  owner = await signIn(uniqueEmail("filter-owner"));
  admin = await signIn(uniqueEmail("filter-admin"));
  org = await createOrg(owner, "audit-filters");
  await seedMember(org, admin, "admin");
  await pause();
  expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { name: "Filtered Inc", seatLimit: 10 } })).status).toBe(200);
  await pause();
  const created = await call("POST", `/api/v1/orgs/${org.slug}/api-keys`, { cookie: owner.cookie, body: { name: "provisioner", scopes: ["invitations:write"] } });
  expect(created.status).toBe(201);
  key = { ...created.body.apiKey, secret: created.body.secret };
  await pause();
  const carol = await invite({ cookie: owner.cookie }, uniqueEmail("carol"));
  const dave = await invite({ cookie: admin.cookie }, uniqueEmail("dave"));
  const erin = await invite({ bearer: key.secret }, uniqueEmail("erin"));
  invited = { carol, dave, erin };
  expect((await call("POST", `/api/v1/orgs/${org.slug}/invitations/${dave}/revoke`, { cookie: owner.cookie })).status).toBe(200);
  revokedAt = new Date().toISOString();
});

describe("filtering the audit trail", () => {
  it("by one action, or by a family of actions", async () => {
    const created = await trail("action=invitation.created");
    expect(created.events.map((e) => e.targetId)).toEqual([invited.erin, invited.dave, invited.carol]);
    const family = await trail("action=invitation");
    expect(family.events.map((e) => e.action)).toEqual(["invitation.revoked", "invitation.created", "invitation.created", "invitation.created"]);
    expect((await trail("action=api_key")).events.map((e) => e.action)).toEqual(["api_key.created"]);
    expect((await trail("action=org")).events.map((e) => e.action)).toEqual(["org.updated", "org.created"]);
    expect((await trail("action=member.removed")).events).toEqual([]);
  });

  it("by actor: an id, a member's email in any case, an API key's name, or Roster itself", async () => {
    const byId = await trail(`actor=${admin.userId}`);
    expect(byId.events.map((e) => [e.action, e.targetId])).toEqual([["invitation.created", invited.dave]]);
    const byEmail = await trail(`actor=${encodeURIComponent(admin.email.toUpperCase())}`);
    expect(byEmail.events.map((e) => e.id)).toEqual(byId.events.map((e) => e.id));
    const byKey = await trail(`actor=${encodeURIComponent(key.name)}`);
    expect(byKey.events.map((e) => [e.actorType, e.actorId, e.targetId])).toEqual([["api_key", key.id, invited.erin]]);
    expect((await trail(`actor=${key.id}`)).events.map((e) => e.id)).toEqual(byKey.events.map((e) => e.id));
    const byOwner = await trail(`actor=${encodeURIComponent(owner.email)}`);
    expect(byOwner.events.map((e) => e.action)).toEqual(["invitation.revoked", "invitation.created", "api_key.created", "org.updated", "org.created"]);
    expect((await trail("actor=system")).events).toEqual([]);
  });

  it("by actor matches nobody outside the organization, nor an unknown name", async () => {
    const stranger = await signIn(uniqueEmail("filter-stranger"));
    const elsewhere = await createOrg(stranger, "audit-elsewhere");
    expect((await call("POST", `/api/v1/orgs/${elsewhere.slug}/api-keys`, { cookie: stranger.cookie, body: { name: "elsewhere-key", scopes: ["org:read"] } })).status).toBe(201);
    expect((await trail(`actor=${encodeURIComponent(stranger.email)}`)).events).toEqual([]);
    expect((await trail("actor=elsewhere-key")).events).toEqual([]);
    expect((await trail("actor=nobody%40example.com")).events).toEqual([]);
  });

  it("by time: since is inclusive, until exclusive, and both together", async () => {
    const all = (await trail("")).events;
    const apiKeyEvent = all.find((e) => e.action === "api_key.created");
    expect(apiKeyEvent).toBeDefined();
    const since = await trail(`since=${encodeURIComponent(apiKeyEvent!.at)}`);
    expect(since.events.at(-1)?.action).toBe("api_key.created");
    expect(since.events.every((e) => e.at >= apiKeyEvent!.at)).toBe(true);
    const until = await trail(`until=${encodeURIComponent(apiKeyEvent!.at)}`);
    expect(until.events.map((e) => e.action)).toEqual(["org.updated", "org.created"]);
    const window = await trail(`since=${encodeURIComponent(apiKeyEvent!.at)}&until=${encodeURIComponent(revokedAt)}&action=invitation.created`);
    expect(window.events.map((e) => e.targetId)).toEqual([invited.erin, invited.dave, invited.carol]);
    // An offset is a time like any other.
    const later = new Date(Date.parse(revokedAt) + 60_000).toISOString().replace("Z", "+00:00");
    expect((await trail(`since=${encodeURIComponent(later)}`)).events).toEqual([]);
  });

  it("by target: one invitation's, member's or API key's history, optionally by target type", async () => {
    const dave = await trail(`target=${invited.dave}`);
    expect(dave.events.map((e) => [e.action, e.targetType, e.targetId])).toEqual([
      ["invitation.revoked", "invitation", invited.dave],
      ["invitation.created", "invitation", invited.dave],
    ]);
    expect((await trail(`target=${invited.dave}&targetType=invitation`)).events.map((e) => e.id)).toEqual(dave.events.map((e) => e.id));
    expect((await trail(`target=${invited.dave}&targetType=member`)).events).toEqual([]);
    // Combined with the other filters.
    expect((await trail(`target=${invited.dave}&action=invitation.revoked`)).events.map((e) => e.action)).toEqual(["invitation.revoked"]);
    expect((await trail(`target=${invited.dave}&actor=${admin.userId}`)).events.map((e) => e.action)).toEqual(["invitation.created"]);
    expect((await trail(`target=${key.id}`)).events.map((e) => e.action)).toEqual(["api_key.created"]);
    expect((await trail(`target=${org.id}`)).events.map((e) => e.action)).toEqual(["org.updated", "org.created"]);
    expect((await trail("targetType=invitation")).events.map((e) => e.action)).toEqual(["invitation.revoked", "invitation.created", "invitation.created", "invitation.created"]);
    expect((await trail("target=inv_nobody")).events).toEqual([]);
  });

  it("by target matches nothing of another organization, even by its ids", async () => {
    const stranger = await signIn(uniqueEmail("target-stranger"));
    const elsewhere = await createOrg(stranger, "audit-target-elsewhere");
    expect((await trail(`target=${elsewhere.id}`)).events).toEqual([]);
    expect((await trail(`target=${stranger.userId}`)).events).toEqual([]);
  });

  it("exports one target's history with the same filter", async () => {
    const answer = await fetchExport(`format=json&target=${invited.dave}`);
    expect(answer.map((e) => e.action)).toEqual(["invitation.revoked", "invitation.created"]);
    const csv = await (await exportResponse(`format=csv&target=${invited.dave}&targetType=invitation`)).text();
    expect(csv.trimEnd().split("\r\n").slice(1).map((line) => line.split(",")[4])).toEqual(["invitation.revoked", "invitation.created"]);
  });

  it("pages a filtered trail with its cursor, every matching event once", async () => {
    const all = (await trail("action=invitation")).events.map((e) => e.id);
    const walked: number[] = [];
    let cursor: number | null = null;
    do {
      const page: AuditPage = (await call<AuditPage>("GET", `/api/v1/orgs/${org.slug}/audit?action=invitation&limit=1${cursor ? `&cursor=${cursor}` : ""}`, { cookie: owner.cookie }))
        .body;
      expect(page.events.length).toBeLessThanOrEqual(1);
      walked.push(...page.events.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor && walked.length < 20);
    expect(walked).toEqual(all);
  });

  it("names the events' actors and targets: members, API keys, invitations", async () => {
    const page = await trail("");
    expect(page.names[owner.userId]).toEqual({ name: owner.email, detail: owner.email });
    expect(page.names[admin.userId]).toEqual({ name: admin.email, detail: admin.email });
    expect(page.names[key.id]).toEqual({ name: "provisioner", detail: key.prefix });
    expect(page.names[invited.carol]?.name).toMatch(/^carol\..*@example\.com$/);
    // Only what the page's events name.
    const keysOnly = await trail("action=api_key");
    expect(Object.keys(keysOnly.names).sort()).toEqual([owner.userId, key.id].sort());
  });

  it("is read by admins and by keys with audit:read, never by members", async () => {
    expect((await trail("action=org", { cookie: admin.cookie })).events).toHaveLength(2);
    const member = await signIn(uniqueEmail("filter-member"));
    const other = await createOrg(member, "audit-member");
    expect(other.slug).toBeTruthy();
    const asStranger = await call("GET", `/api/v1/orgs/${org.slug}/audit?action=org`, { cookie: member.cookie });
    expect(asStranger.status).toBe(404);
    // The key holds invitations:write only.
    expect((await call("GET", `/api/v1/orgs/${org.slug}/audit?action=org`, { bearer: key.secret })).status).toBe(403);
  });
});

describe("refused audit filters", () => {
  it.each([
    ["action=Member!", "action"],
    ["action=member.removed.twice", "action"],
    ["since=yesterday", "since"],
    ["until=2026-13-01T00:00:00Z", "until"],
    [`since=${encodeURIComponent("2026-02-01T00:00:00Z")}&until=${encodeURIComponent("2026-01-01T00:00:00Z")}`, "until"],
    [`actor=${"x".repeat(255)}`, "actor"],
    [`target=${"x".repeat(65)}`, "target"],
    ["targetType=Invitation!", "targetType"],
  ])("answer 400 validation_failed for %s, naming the field", async (query, field) => {
    const answer = await call("GET", `/api/v1/orgs/${org.slug}/audit?${query}`, { cookie: owner.cookie });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe("validation_failed");
    expect(answer.body.error.details.issues.map((i: { path: string }) => i.path)).toContain(field);
  });
});

describe("the audit trail is append-only", () => {
  it("has no route that changes or deletes an event: every other method on audit URLs is not found", async () => {
    const [event] = (await trail("action=org.created")).events;
    expect(event).toBeDefined();
    for (const path of [`/api/v1/orgs/${org.slug}/audit`, `/api/v1/orgs/${org.slug}/audit/${event!.id}`, `/api/v1/orgs/${org.slug}/audit/export`]) {
      for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
        const answer = await call(method, path, { cookie: owner.cookie, body: { action: "tampered" } });
        expect(answer.status, `${method} ${path}`).toBe(404);
        expect(answer.body.error.code).toBe("not_found");
      }
    }
    const after = (await trail("action=org.created")).events;
    expect(after).toEqual([event]);
  });

  it("is documented read-only: the OpenAPI document has only GETs under /audit", async () => {
    const doc = (await call<{ paths: Record<string, Record<string, unknown>> }>("GET", "/api/v1/openapi.json")).body;
    const auditPaths = Object.entries(doc.paths).filter(([path]) => /\/audit(\/|$)/.test(path));
    expect(auditPaths.length).toBeGreaterThan(0);
    for (const [path, item] of auditPaths) expect(Object.keys(item), path).toEqual(["get"]);
  });
});
