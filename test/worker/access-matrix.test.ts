import { createClient } from "@libsql/client/web";
import { exports } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Scope } from "../../worker/domain/scopes.ts";
import { call, createOrg, env, origin, seedMember, signIn, uniqueEmail, uniqueSlug, type SignedIn } from "./support/client.ts";

/**
 * Every route of the organization and user API, run against every kind of caller, with the
 * exact answer each must get. A refusal never changes anything; the last
 * test checks that on the rows it left behind.
 */

const callers = [
  "anonymous",
  "non-member",
  "key of another org",
  "key without the scope",
  "key with the scope",
  "restricted",
  "member",
  "admin",
  // Last: the owner's transfer (the last row) makes them admin.
  "owner",
] as const;
type Caller = (typeof callers)[number];

interface Fixture {
  org: { id: string; slug: string };
  users: Record<"owner" | "admin" | "member" | "restricted" | "non-member", SignedIn>;
  /** Secrets of the keys the owner made, by what they hold. */
  keys: Record<KeyKind, string>;
  otherOrgKey: string;
  /** Disposable members, one per mutating row and caller. */
  victims: Map<string, SignedIn>;
  /** Disposable API keys (id), one per caller, for the revoke row. */
  victimKeys: Map<Caller, string>;
  /** Disposable invitations, one per invitation row and caller. */
  victimInvitations: Map<string, { id: string; token: string }>;
  /** An invitation addressed to nobody among the callers. */
  strangersInvitation: { id: string; token: string };
  /** A second organization of the same owner, admin, member and restricted member, for the leave row. */
  leaveOrg: { id: string; slug: string };
  /** A public project, and disposable projects per project row and caller (the member in each). */
  projects: { shared: string; victims: Map<string, string> };
}

type KeyKind =
  | "org:read"
  | "members:read"
  | "members:write"
  | "audit:read"
  | "all"
  | "invitations:read"
  | "invitations:write"
  | "projects:read"
  | "projects:write"
  | "projects and members:read";
const keyScopes: Record<KeyKind, Scope[]> = {
  "org:read": ["org:read"],
  "members:read": ["members:read"],
  "members:write": ["members:write"],
  "audit:read": ["audit:read"],
  all: ["org:read", "members:read", "members:write", "invitations:read", "invitations:write", "audit:read"],
  // Holds none of the scopes the member routes need (but, like every key, reads the org).
  "invitations:read": ["invitations:read"],
  "invitations:write": ["invitations:write"],
  "projects:read": ["projects:read"],
  "projects:write": ["projects:write"],
  "projects and members:read": ["projects:read", "members:read"],
};

interface Row {
  /** `METHOD /path` as the OpenAPI document names it. */
  route: string;
  /** What sets this row apart when one route has several (PATCH org: settings vs seats). */
  variant?: string;
  path: (f: Fixture, caller: Caller) => string;
  body?: (f: Fixture, caller: Caller) => unknown;
  /** The key a caller "with the scope" sends: the one scope the route needs, or every scope. */
  key: KeyKind;
  /** A WebSocket upgrade: 101 opens the socket (closed again at once). */
  upgrade?: boolean;
  /** Gets a disposable member of its own per caller (as `victim`). */
  victims?: boolean;
  /** Gets a disposable project of its own per caller (the member assigned to it). */
  projectVictims?: boolean;
  /** Gets a disposable invitation of its own per caller; `revoked` ones for deletion. */
  invitationVictims?: "pending" | "revoked";
  /** The key a caller "without the scope" sends (default: one holding only invitations:read). */
  withoutKey?: KeyKind;
  /** Error codes other than the usual for a status, as people (not keys) get them. */
  codes?: Partial<Record<number, string>>;
  expected: Record<Caller, number>;
}

/** The usual answers of an organization route to outsiders. */
const outsiders = { anonymous: 401, "non-member": 404, "key of another org": 401 } as const;
/** A user route (`/me`, creating an organization): people only, never API keys. */
const people = (ok: number) =>
  ({
    anonymous: 401,
    "non-member": ok,
    "key of another org": 403,
    "key without the scope": 403,
    "key with the scope": 403,
    restricted: ok,
    member: ok,
    admin: ok,
    owner: ok,
  }) as const;
const ownerOnly = (ok: number) =>
  ({
    ...outsiders,
    "key without the scope": 403,
    "key with the scope": 403,
    restricted: 403,
    member: 403,
    admin: 403,
    owner: ok,
  }) as const;
const adminAndUp = (ok: number) =>
  ({ ...outsiders, "key without the scope": 403, "key with the scope": ok, restricted: 403, member: 403, admin: ok, owner: ok }) as const;

const victimOf = (f: Fixture, route: string, caller: Caller) => f.victims.get(`${route}|${caller}`)!.userId;
const invitationOf = (route: string, rest = "") => (f: Fixture, caller: Caller) =>
  `/api/v1/orgs/${f.org.slug}/invitations/${f.victimInvitations.get(`${route}|${caller}`)!.id}${rest}`;
const invitationRow = (method: string, rest: string, ok: number, extra: Partial<Row> = {}): Row => {
  const route = `${method} /api/v1/orgs/{org}/invitations/{id}${rest}`;
  return { route, path: invitationOf(route, rest), key: "invitations:write", withoutKey: "members:read", invitationVictims: "pending", expected: adminAndUp(ok), ...extra };
};
let inviteeCounter = 0;
const freshInvitee = () => ({ invitee: `matrix-invitee-${Date.now().toString(36)}-${++inviteeCounter}@example.com` });
const orgPath = (rest = "") => (f: Fixture) => `/api/v1/orgs/${f.org.slug}${rest}`;

const projectOf = (route: string, rest = "") => (f: Fixture, caller: Caller) => `/api/v1/orgs/${f.org.slug}/projects/${f.projects.victims.get(`${route}|${caller}`)}${rest}`;
/** Everyone in the organization reads projects (what each sees differs: test/worker/projects.test.ts). */
const projectReaders = (ok: number) =>
  ({ ...outsiders, "key without the scope": 403, "key with the scope": ok, restricted: ok, member: ok, admin: ok, owner: ok }) as const;
let projectCounter = 0;

const rows: Row[] = [
  { route: "GET /api/v1/me", path: () => "/api/v1/me", key: "all", expected: people(200) },
  {
    route: "PATCH /api/v1/me",
    path: () => "/api/v1/me",
    body: (_, caller) => ({ name: `Renamed ${caller}` }),
    key: "all",
    expected: people(200),
  },
  {
    route: "POST /api/v1/orgs",
    path: () => "/api/v1/orgs",
    body: () => ({ name: "Matrix", slug: uniqueSlug("matrix-new") }),
    key: "all",
    expected: people(201),
  },
  {
    route: "GET /api/v1/orgs/{org}",
    path: orgPath(),
    key: "org:read",
    // Every key reads the organization it belongs to: a key holding no org:read still may.
    expected: { ...outsiders, "key without the scope": 200, "key with the scope": 200, restricted: 200, member: 200, admin: 200, owner: 200 },
  },
  {
    route: "PATCH /api/v1/orgs/{org}",
    variant: "settings",
    path: orgPath(),
    body: () => ({ name: "Matrix renamed", allowedEmailDomains: ["example.com"] }),
    key: "all",
    expected: ownerOnly(200),
  },
  {
    route: "PATCH /api/v1/orgs/{org}",
    variant: "seat limit",
    path: orgPath(),
    body: () => ({ seatLimit: 500 }),
    key: "all",
    expected: ownerOnly(200),
  },
  {
    route: "POST /api/v1/orgs/{org}/dormant",
    path: orgPath("/dormant"),
    key: "all",
    expected: ownerOnly(200),
  },
  {
    // Right after the dormant row: the owner wakes it again before any invitation row runs.
    route: "POST /api/v1/orgs/{org}/wake",
    path: orgPath("/wake"),
    key: "all",
    expected: ownerOnly(200),
  },
  {
    // A confirmation that does not match: the owner gets 422 and the organization stays.
    route: "DELETE /api/v1/orgs/{org}",
    path: orgPath(),
    body: () => ({ confirm: "not-the-slug" }),
    key: "all",
    codes: { 422: "confirmation_mismatch" },
    expected: ownerOnly(422),
  },
  {
    // People leave an organization of their own (the owner, its last, may not); keys ask their own and cannot leave.
    route: "POST /api/v1/orgs/{org}/leave",
    path: (f, caller) => `/api/v1/orgs/${caller.startsWith("key") ? f.org.slug : f.leaveOrg.slug}/leave`,
    key: "all",
    codes: { 409: "last_owner" },
    expected: { ...outsiders, "key without the scope": 403, "key with the scope": 403, restricted: 204, member: 204, admin: 204, owner: 409 },
  },
  {
    route: "GET /api/v1/orgs/{org}/members",
    path: orgPath("/members?limit=5"),
    key: "members:read",
    expected: { ...outsiders, "key without the scope": 403, "key with the scope": 200, restricted: 403, member: 200, admin: 200, owner: 200 },
  },
  {
    route: "PATCH /api/v1/orgs/{org}/members/{userId}",
    path: (f, caller) => `/api/v1/orgs/${f.org.slug}/members/${victimOf(f, "PATCH /api/v1/orgs/{org}/members/{userId}", caller)}`,
    body: () => ({ role: "restricted", title: "Changed" }),
    key: "members:write",
    victims: true,
    expected: adminAndUp(200),
  },
  {
    route: "DELETE /api/v1/orgs/{org}/members/{userId}",
    path: (f, caller) => `/api/v1/orgs/${f.org.slug}/members/${victimOf(f, "DELETE /api/v1/orgs/{org}/members/{userId}", caller)}`,
    key: "members:write",
    victims: true,
    expected: adminAndUp(204),
  },
  {
    route: "POST /api/v1/orgs/{org}/members/bulk-remove",
    path: orgPath("/members/bulk-remove"),
    body: (f, caller) => ({ userIds: [victimOf(f, "POST /api/v1/orgs/{org}/members/bulk-remove", caller)] }),
    key: "members:write",
    victims: true,
    expected: adminAndUp(200),
  },
  {
    route: "POST /api/v1/orgs/{org}/api-keys",
    path: orgPath("/api-keys"),
    body: () => ({ name: "made in the matrix", scopes: ["members:read"] }),
    key: "all",
    expected: ownerOnly(201),
  },
  { route: "GET /api/v1/orgs/{org}/api-keys", path: orgPath("/api-keys"), key: "all", expected: ownerOnly(200) },
  {
    route: "DELETE /api/v1/orgs/{org}/api-keys/{keyId}",
    path: (f, caller) => `/api/v1/orgs/${f.org.slug}/api-keys/${f.victimKeys.get(caller)}`,
    key: "all",
    expected: ownerOnly(204),
  },
  { route: "GET /api/v1/orgs/{org}/links", path: orgPath("/links"), key: "invitations:write", expected: adminAndUp(200) },
  { route: "PATCH /api/v1/orgs/{org}/links/{kind}", path: orgPath("/links/new"), body: () => ({ enabled: true }), key: "invitations:write", expected: adminAndUp(200) },
  { route: "POST /api/v1/orgs/{org}/links/{kind}/regenerate", path: orgPath("/links/existing/regenerate"), key: "invitations:write", expected: adminAndUp(200) },
  {
    route: "GET /api/v1/orgs/{org}/live",
    path: orgPath("/live"),
    key: "org:read",
    upgrade: true,
    // Everyone in the organization may listen (restricted members get a filtered stream).
    expected: { ...outsiders, "key without the scope": 101, "key with the scope": 101, restricted: 101, member: 101, admin: 101, owner: 101 },
  },
  { route: "GET /api/v1/orgs/{org}/audit", path: orgPath("/audit?limit=5"), key: "audit:read", expected: adminAndUp(200) },
  { route: "GET /api/v1/orgs/{org}/audit/export", path: orgPath("/audit/export?format=json"), key: "audit:read", expected: adminAndUp(200) },
  {
    route: "GET /api/v1/orgs/{org}/invitations",
    path: orgPath("/invitations?limit=5"),
    key: "invitations:read",
    withoutKey: "members:read",
    expected: adminAndUp(200),
  },
  {
    route: "GET /api/v1/orgs/{org}/invitations/funnel",
    path: orgPath("/invitations/funnel"),
    key: "invitations:read",
    withoutKey: "members:read",
    expected: adminAndUp(200),
  },
  {
    route: "POST /api/v1/orgs/{org}/invitations",
    path: orgPath("/invitations"),
    body: () => freshInvitee(),
    key: "invitations:write",
    withoutKey: "members:read",
    expected: adminAndUp(201),
  },
  {
    route: "POST /api/v1/orgs/{org}/invitations/bulk",
    path: orgPath("/invitations/bulk"),
    body: () => ({ invitations: [freshInvitee()] }),
    key: "invitations:write",
    withoutKey: "members:read",
    expected: adminAndUp(200),
  },
  invitationRow("PATCH", "", 200, { body: () => ({ message: "edited in the matrix" }) }),
  invitationRow("POST", "/resend", 200),
  invitationRow("POST", "/link", 200),
  invitationRow("POST", "/extend", 200),
  invitationRow("POST", "/revoke", 200),
  invitationRow("DELETE", "", 204, { invitationVictims: "revoked" }),
  {
    // Somebody else's invitation, read by its id: not theirs to see, so not found.
    route: "GET /api/v1/me/invitations/{id}",
    path: (f) => `/api/v1/me/invitations/${f.strangersInvitation.id}`,
    key: "all",
    expected: people(404),
  },
  { route: "POST /api/v1/me/notifications/{id}/read", path: () => "/api/v1/me/notifications/ntf_nobodys/read", key: "all", expected: people(404) },
  { route: "POST /api/v1/me/notifications/read", path: () => "/api/v1/me/notifications/read", key: "all", expected: people(200) },
  ...(["accept", "decline"] as const).flatMap((answer): Row[] => [
    {
      // Somebody else's invitation: people are told it is not theirs; keys are not people.
      route: `POST /api/v1/invitations/{token}/${answer}`,
      path: (f) => `/api/v1/invitations/${f.strangersInvitation.token}/${answer}`,
      key: "all",
      expected: people(403),
      codes: { 403: "email_mismatch" },
    },
    {
      route: `POST /api/v1/me/invitations/{id}/${answer}`,
      path: (f) => `/api/v1/me/invitations/${f.strangersInvitation.id}/${answer}`,
      key: "all",
      expected: people(404),
    },
  ]),
  { route: "GET /api/v1/orgs/{org}/projects", path: orgPath("/projects"), key: "projects:read", withoutKey: "members:read", expected: projectReaders(200) },
  {
    route: "POST /api/v1/orgs/{org}/projects",
    path: orgPath("/projects"),
    body: (_, caller) => ({ name: `Matrix ${caller} ${++projectCounter}`, visibility: "public" }),
    key: "projects:write",
    withoutKey: "members:read",
    expected: adminAndUp(201),
  },
  {
    route: "GET /api/v1/orgs/{org}/projects/{projectId}",
    path: (f) => `/api/v1/orgs/${f.org.slug}/projects/${f.projects.shared}`,
    key: "projects:read",
    withoutKey: "members:read",
    expected: projectReaders(200),
  },
  {
    route: "GET /api/v1/orgs/{org}/projects/{projectId}/members",
    path: (f) => `/api/v1/orgs/${f.org.slug}/projects/${f.projects.shared}/members`,
    key: "projects:read",
    withoutKey: "members:read",
    expected: projectReaders(200),
  },
  {
    route: "PATCH /api/v1/orgs/{org}/projects/{projectId}",
    path: projectOf("PATCH /api/v1/orgs/{org}/projects/{projectId}"),
    body: (_, caller) => ({ name: `Renamed in the matrix by ${caller}` }),
    key: "projects:write",
    withoutKey: "members:read",
    projectVictims: true,
    expected: adminAndUp(200),
  },
  {
    route: "DELETE /api/v1/orgs/{org}/projects/{projectId}",
    path: projectOf("DELETE /api/v1/orgs/{org}/projects/{projectId}"),
    key: "projects:write",
    withoutKey: "members:read",
    projectVictims: true,
    expected: adminAndUp(204),
  },
  {
    route: "DELETE /api/v1/orgs/{org}/projects/{projectId}/members/{userId}",
    path: (f, caller) => projectOf("DELETE /api/v1/orgs/{org}/projects/{projectId}/members/{userId}")(f, caller) + `/members/${f.users.member.userId}`,
    key: "projects:write",
    withoutKey: "members:read",
    projectVictims: true,
    expected: adminAndUp(204),
  },
  {
    route: "POST /api/v1/orgs/{org}/projects/assignments",
    path: orgPath("/projects/assignments"),
    body: (f) => ({ userIds: [f.users.member.userId], projects: [{ projectId: f.projects.shared, role: "viewer" }] }),
    key: "projects:write",
    withoutKey: "members:read",
    expected: adminAndUp(200),
  },
  {
    // Project names: projects:read as well as members:read (members:read alone is refused).
    route: "GET /api/v1/orgs/{org}/projects/assignments",
    path: (f) => `/api/v1/orgs/${f.org.slug}/projects/assignments?userIds=${f.users.member.userId}`,
    key: "projects and members:read",
    withoutKey: "members:read",
    expected: { ...outsiders, "key without the scope": 403, "key with the scope": 200, restricted: 403, member: 200, admin: 200, owner: 200 },
  },
  {
    // Somebody else's projects: members:read as well as projects:read.
    route: "GET /api/v1/orgs/{org}/members/{userId}/projects",
    path: (f) => `/api/v1/orgs/${f.org.slug}/members/${f.users.member.userId}/projects`,
    key: "projects and members:read",
    withoutKey: "members:read",
    expected: { ...outsiders, "key without the scope": 403, "key with the scope": 200, restricted: 403, member: 200, admin: 200, owner: 200 },
  },
  {
    // Last: the owner who transfers becomes admin.
    route: "POST /api/v1/orgs/{org}/transfer-ownership",
    path: orgPath("/transfer-ownership"),
    body: (f, caller) => ({ userId: victimOf(f, "POST /api/v1/orgs/{org}/transfer-ownership", caller) }),
    key: "all",
    victims: true,
    expected: ownerOnly(200),
  },
];

const codeFor: Record<number, string> = { 401: "unauthenticated", 403: "forbidden", 404: "not_found" };

let f: Fixture;
const db = createClient({ url: env.DATABASE_URL ?? "" });

/** Users who never sign in, made straight in the database (one batch): victims need no session. */
async function seedUsers(count: number, stem: string): Promise<SignedIn[]> {
  const made = Array.from({ length: count }, (_, i) => ({ userId: `usr_${stem}_${Date.now().toString(36)}_${i}`, email: uniqueEmail(stem), cookie: "" }));
  await db.batch(
    made.map((u) => ({ sql: "INSERT INTO users (id, email, name, created_at) VALUES (?, ?, ?, ?)", args: [u.userId, u.email, u.email, Date.now()] })),
    "write",
  );
  return made;
}

async function makeKey(slug: string, owner: SignedIn, scopes: Scope[]): Promise<{ id: string; secret: string }> {
  const made = await call("POST", `/api/v1/orgs/${slug}/api-keys`, { cookie: owner.cookie, body: { name: scopes.join(" "), scopes } });
  if (made.status !== 201) throw new Error(`api key: ${made.status} ${JSON.stringify(made.body)}`);
  return { id: made.body.apiKey.id, secret: made.body.secret };
}

beforeAll(async () => {
  const [owner, admin, member, restricted, nonMember] = await Promise.all(
    ["owner", "admin", "member", "restricted", "outsider"].map((stem) => signIn(uniqueEmail(`matrix-${stem}`))),
  );
  const org = await createOrg(owner!, "matrix");
  // Members are seeded before the room first loads (it reads them once).
  await seedMember(org, admin!, "admin");
  await seedMember(org, member!, "member");
  await seedMember(org, restricted!, "restricted");
  const mutating = rows.filter((r) => r.victims);
  const victimUsers = await seedUsers(mutating.length * callers.length, "victim");
  const victims = new Map<string, SignedIn>();
  for (const [i, row] of mutating.entries()) {
    for (const [j, caller] of callers.entries()) {
      const victim = victimUsers[i * callers.length + j]!;
      await seedMember(org, victim, "member");
      victims.set(`${row.route}|${caller}`, victim);
    }
  }

  const keys = {} as Record<KeyKind, string>;
  for (const kind of Object.keys(keyScopes) as KeyKind[]) keys[kind] = (await makeKey(org.slug, owner!, keyScopes[kind])).secret;
  const victimKeys = new Map<Caller, string>();
  for (const caller of callers) victimKeys.set(caller, (await makeKey(org.slug, owner!, ["members:read"])).id);

  // Invitations need seats; the seat-limit row later sets 500, still plenty.
  await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner!.cookie, body: { seatLimit: 1000 } });
  const invite = async () => {
    const made = await call("POST", `/api/v1/orgs/${org.slug}/invitations`, { cookie: owner!.cookie, body: freshInvitee() });
    if (made.status !== 201) throw new Error(`invitation: ${made.status} ${JSON.stringify(made.body)}`);
    return { id: made.body.invitation.id as string, token: String(made.body.inviteUrl).split("/invitations/")[1]! };
  };
  const victimInvitations = new Map<string, { id: string; token: string }>();
  for (const row of rows.filter((r) => r.invitationVictims)) {
    for (const caller of callers) {
      const invitation = await invite();
      if (row.invitationVictims === "revoked") {
        await call("POST", `/api/v1/orgs/${org.slug}/invitations/${invitation.id}/revoke`, { cookie: owner!.cookie });
      }
      victimInvitations.set(`${row.route}|${caller}`, invitation);
    }
  }
  const strangersInvitation = await invite();

  const leaveOrg = await createOrg(owner!, "matrix-leave");
  await seedMember(leaveOrg, admin!, "admin");
  await seedMember(leaveOrg, member!, "member");
  await seedMember(leaveOrg, restricted!, "restricted");
  const newProject = async (name: string) => {
    const made = await call("POST", `/api/v1/orgs/${org.slug}/projects`, { cookie: owner!.cookie, body: { name, visibility: "public" } });
    if (made.status !== 201) throw new Error(`project: ${made.status} ${JSON.stringify(made.body)}`);
    return made.body.project.id as string;
  };
  const sharedProject = await newProject("Matrix shared");
  const projectVictims = new Map<string, string>();
  for (const [i, row] of rows.filter((r) => r.projectVictims).entries()) {
    for (const caller of callers) projectVictims.set(`${row.route}|${caller}`, await newProject(`Matrix victim ${i} ${caller}`));
  }
  const assigned = await call("POST", `/api/v1/orgs/${org.slug}/projects/assignments`, {
    cookie: owner!.cookie,
    body: { userIds: [member!.userId], projects: [...projectVictims.values()].map((projectId) => ({ projectId, role: "use" })) },
  });
  if (assigned.status !== 200) throw new Error(`assignments: ${assigned.status} ${JSON.stringify(assigned.body)}`);

  // The outsider owns an organization of their own, with a key holding every scope.
  const otherOrg = await createOrg(nonMember!, "matrix-other");
  const otherOrgKey = (await makeKey(otherOrg.slug, nonMember!, keyScopes.all)).secret;

  f = {
    org,
    users: { owner: owner!, admin: admin!, member: member!, restricted: restricted!, "non-member": nonMember! },
    keys,
    otherOrgKey,
    victims,
    victimKeys,
    victimInvitations,
    strangersInvitation,
    leaveOrg,
    projects: { shared: sharedProject, victims: projectVictims },
  };
});

afterAll(() => db.close());

function credentialOf(row: Row, caller: Caller): { cookie?: string; bearer?: string } {
  switch (caller) {
    case "anonymous":
      return {};
    case "key of another org":
      return { bearer: f.otherOrgKey };
    case "key with the scope":
      return { bearer: f.keys[row.key] };
    case "key without the scope":
      return { bearer: f.keys[row.withoutKey ?? "invitations:read"] };
    default:
      return { cookie: f.users[caller].cookie };
  }
}

/** Opens a WebSocket as `call` would send a request; closes it again if it opened. */
async function upgrade(path: string, credential: { cookie?: string; bearer?: string }): Promise<{ status: number; body: any }> {
  const headers = new Headers({ upgrade: "websocket", origin, "cf-connecting-ip": "192.0.2.1" });
  if (credential.cookie) headers.set("cookie", credential.cookie);
  if (credential.bearer) headers.set("authorization", `Bearer ${credential.bearer}`);
  const response = await exports.default.fetch(`${origin}${path}`, { headers });
  if (response.webSocket) {
    response.webSocket.accept();
    response.webSocket.close(1000, "done");
    return { status: response.status, body: null };
  }
  return { status: response.status, body: await response.json() };
}

describe.each(rows.map((row) => ({ ...row, name: row.variant ? `${row.route} (${row.variant})` : row.route })))("$name", (row) => {
  it.each(callers.map((caller) => ({ caller, status: row.expected[caller] })))("answers $caller with $status", async ({ caller, status }) => {
    const answer = row.upgrade
      ? await upgrade(row.path(f, caller), credentialOf(row, caller))
      : await call(row.route.split(" ")[0]!, row.path(f, caller), { ...credentialOf(row, caller), body: row.body?.(f, caller) });
    expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status, code: (caller.startsWith("key") ? undefined : row.codes?.[status]) ?? codeFor[status] });
  });
});

describe("the access matrix", () => {
  it("covers every organization and user route the API documents", async () => {
    const doc = await call<{ paths: Record<string, Record<string, unknown>> }>("GET", "/api/v1/openapi.json");
    const documented = Object.entries(doc.body.paths)
      .filter(
        ([path]) =>
          path === "/api/v1/me" ||
          path.startsWith("/api/v1/me/") ||
          path === "/api/v1/orgs" ||
          path.startsWith("/api/v1/orgs/") ||
          /^\/api\/v1\/invitations\/\{token\}\/(accept|decline)$/.test(path),
      )
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    const covered = new Set(rows.map((r) => r.route));
    expect(documented.length).toBeGreaterThan(0);
    // A new route fails here until it gets its row above.
    expect({ uncovered: documented.filter((r) => !covered.has(r)).sort() }).toEqual({ uncovered: [] });
    expect({ undocumented: [...covered].filter((r) => !documented.includes(r)).sort() }).toEqual({ undocumented: [] });
  });

  it("never reveals whether an organization exists to someone who cannot see it", async () => {
    const missing = `no-such-org-${Date.now().toString(36)}`;
    const askers: Array<[string, { cookie?: string; bearer?: string }]> = [
      ["anonymous", {}],
      ["non-member", { cookie: f.users["non-member"].cookie }],
      ["key of another org", { bearer: f.otherOrgKey }],
      ["made-up key", { bearer: "rk_madeup0000000000000000000000000000000" }],
    ];
    for (const [who, credential] of askers) {
      for (const rest of ["", "/members"]) {
        const seen = await call("GET", `/api/v1/orgs/${f.org.slug}${rest}`, credential);
        const unseen = await call("GET", `/api/v1/orgs/${missing}${rest}`, credential);
        const shape = (a: { status: number; body: any }) => [a.status, a.body?.error?.code, a.body?.error?.message];
        expect([who, rest, ...shape(unseen)]).toEqual([who, rest, ...shape(seen)]);
      }
    }
  });

  it("leaves every member and key that a refused caller aimed at exactly as it was", async () => {
    const members = await db.execute({ sql: "SELECT user_id, role, title FROM memberships WHERE org_id = ?", args: [f.org.id] });
    const byId = new Map(members.rows.map((m) => [String(m.user_id), { role: String(m.role), title: String(m.title) }]));
    const outcome = (route: string, caller: Caller) => byId.get(victimOf(f, route, caller)) ?? "removed";
    for (const caller of callers) {
      const allowed = (route: string) => rows.find((r) => r.route === route)!.expected[caller] < 300;
      const changed = "PATCH /api/v1/orgs/{org}/members/{userId}";
      expect([caller, outcome(changed, caller)]).toEqual([caller, allowed(changed) ? { role: "restricted", title: "Changed" } : { role: "member", title: "" }]);
      for (const removal of ["DELETE /api/v1/orgs/{org}/members/{userId}", "POST /api/v1/orgs/{org}/members/bulk-remove"]) {
        expect([caller, outcome(removal, caller)]).toEqual([caller, allowed(removal) ? "removed" : { role: "member", title: "" }]);
      }
      const transfer = "POST /api/v1/orgs/{org}/transfer-ownership";
      expect([caller, outcome(transfer, caller)]).toEqual([caller, { role: allowed(transfer) ? "owner" : "member", title: "" }]);
    }
    // The owner who transferred is admin now; nobody else's role moved.
    expect(byId.get(f.users.owner.userId)?.role).toBe("admin");
    expect(byId.get(f.users.admin.userId)?.role).toBe("admin");
    expect(byId.get(f.users.member.userId)?.role).toBe("member");
    expect(byId.get(f.users.restricted.userId)?.role).toBe("restricted");

    const keys = await db.execute({ sql: "SELECT id, revoked_at FROM api_keys WHERE org_id = ?", args: [f.org.id] });
    const revoked = new Set(keys.rows.filter((k) => k.revoked_at !== null).map((k) => String(k.id)));
    expect(revoked).toEqual(new Set([f.victimKeys.get("owner")]));
  });
});
