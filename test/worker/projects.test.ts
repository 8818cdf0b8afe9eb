import { createClient } from "@libsql/client/web";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MemberProjectView, ProjectDetailView, ProjectView } from "../../worker/views/project.ts";
import { call, createOrg, forgetOrgCreations, env, seedMember, signIn, uniqueEmail, type SignedIn } from "./support/client.ts";
import { isEvent, open, type Event } from "./support/live.ts";
import { orgRoom } from "../../worker/org/room-client.ts";
import type { OrgRoom } from "../../worker/org/room.ts";

const db = createClient({ url: env.DATABASE_URL ?? "" });
afterAll(() => db.close());

let owner: SignedIn;
let admin: SignedIn;
let member: SignedIn;
let restricted: SignedIn;
let outsider: SignedIn;
let org: { id: string; slug: string };

beforeAll(async () => {
  [owner, admin, member, restricted, outsider] = (await Promise.all(
    ["owner", "admin", "member", "restricted", "outsider"].map((stem) => signIn(uniqueEmail(`prj-${stem}`))),
  )) as [SignedIn, SignedIn, SignedIn, SignedIn, SignedIn];
  org = await createOrg(owner, "projects");
  // Seeded before the room first loads (it reads its members once).
  await seedMember(org, admin, "admin");
  await seedMember(org, member, "member");
  await seedMember(org, restricted, "restricted");
  await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { seatLimit: 50 } });
});

const base = () => `/api/v1/orgs/${org.slug}/projects`;

async function create(name: string, visibility: "public" | "private" = "private", who: SignedIn = admin): Promise<ProjectView> {
  const made = await call<{ project: ProjectView }>("POST", base(), { cookie: who.cookie, body: { name, visibility } });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  return made.body.project;
}

async function assign(body: unknown, who: SignedIn = admin) {
  return call("POST", `${base()}/assignments`, { cookie: who.cookie, body });
}

const names = (list: Array<{ name: string }>) => list.map((p) => p.name).sort();

async function auditActions(orgId: string, targetId: string): Promise<string[]> {
  const rows = await db.execute({ sql: "SELECT action FROM audit_events WHERE org_id = ? AND target_id = ? ORDER BY id", args: [orgId, targetId] });
  return rows.rows.map((r) => String(r.action));
}

describe("creating, renaming and deleting projects", () => {
  it("creates a project with a trimmed name, private by default, and audits it", async () => {
    const made = await call<{ project: ProjectView }>("POST", base(), { cookie: admin.cookie, body: { name: "  Churn model  " } });
    expect(made.status).toBe(201);
    expect(made.body.project).toEqual({
      id: expect.stringMatching(/^prj_/),
      name: "Churn model",
      visibility: "private",
      personalUserId: null,
      createdBy: admin.userId,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(await auditActions(org.id, made.body.project.id)).toEqual(["project.created"]);
  });

  it("refuses an empty, a too long, or an unknown-field body with validation_failed", async () => {
    for (const body of [{ name: "   " }, { name: "x".repeat(101) }, { name: "ok", visibility: "secret" }, { name: "ok", extra: 1 }]) {
      const refused = await call("POST", base(), { cookie: admin.cookie, body });
      expect([JSON.stringify(body), refused.status, refused.body.error.code]).toEqual([JSON.stringify(body), 400, "validation_failed"]);
    }
    expect((await call("POST", base(), { cookie: admin.cookie, body: { name: "x".repeat(100) } })).status).toBe(201);
  });

  it("keeps names unique per organization ignoring case (409 project_name_taken), but not across organizations", async () => {
    await create("Forecasting");
    const taken = await call("POST", base(), { cookie: admin.cookie, body: { name: "FORECASTING" } });
    expect([taken.status, taken.body.error.code]).toEqual([409, "project_name_taken"]);
    const other = await createOrg(outsider, "projects-other");
    const elsewhere = await call("POST", `/api/v1/orgs/${other.slug}/projects`, { cookie: outsider.cookie, body: { name: "Forecasting" } });
    expect(elsewhere.status).toBe(201);
  });

  it("renames and changes visibility; a rename onto another project's name is refused", async () => {
    const project = await create("Rename me");
    await create("Already here");
    const renamed = await call<{ project: ProjectView }>("PATCH", `${base()}/${project.id}`, { cookie: admin.cookie, body: { name: " Renamed " } });
    expect([renamed.status, renamed.body.project.name]).toEqual([200, "Renamed"]);
    const recased = await call<{ project: ProjectView }>("PATCH", `${base()}/${project.id}`, { cookie: admin.cookie, body: { name: "RENAMED" } });
    expect([recased.status, recased.body.project.name]).toEqual([200, "RENAMED"]);
    const clash = await call("PATCH", `${base()}/${project.id}`, { cookie: admin.cookie, body: { name: "already HERE" } });
    expect([clash.status, clash.body.error.code]).toEqual([409, "project_name_taken"]);
    const opened = await call<{ project: ProjectView }>("PATCH", `${base()}/${project.id}`, { cookie: admin.cookie, body: { visibility: "public" } });
    expect(opened.body.project.visibility).toBe("public");
    expect((await call("PATCH", `${base()}/${project.id}`, { cookie: admin.cookie, body: {} })).status).toBe(400);
    expect(await auditActions(org.id, project.id)).toEqual(["project.created", "project.renamed", "project.renamed", "project.updated"]);
  });

  it("deletes a project with its members' roles; it is gone from the list and 404 after", async () => {
    const project = await create("Short-lived");
    expect((await assign({ userIds: [member.userId], projects: [{ projectId: project.id, role: "use" }] })).status).toBe(200);
    expect((await call("DELETE", `${base()}/${project.id}`, { cookie: admin.cookie })).status).toBe(204);
    expect((await call("GET", `${base()}/${project.id}`, { cookie: admin.cookie })).status).toBe(404);
    expect((await call("DELETE", `${base()}/${project.id}`, { cookie: admin.cookie })).status).toBe(404);
    const list = await call<{ projects: ProjectView[] }>("GET", base(), { cookie: admin.cookie });
    expect(list.body.projects.map((p) => p.id)).not.toContain(project.id);
    const left = await db.execute({ sql: "SELECT count(*) AS n FROM project_members WHERE project_id = ?", args: [project.id] });
    expect(Number(left.rows[0]!.n)).toBe(0);
    expect(await auditActions(org.id, project.id)).toEqual(["project.created", "project.members_assigned", "project.deleted"]);
  });

  it("lets only admins and owners write; members and restricted members get 403", async () => {
    const project = await create("Guarded");
    for (const who of [member, restricted]) {
      expect((await call("POST", base(), { cookie: who.cookie, body: { name: "Nope" } })).status).toBe(403);
      expect((await call("PATCH", `${base()}/${project.id}`, { cookie: who.cookie, body: { name: "Nope" } })).status).toBe(403);
      expect((await call("DELETE", `${base()}/${project.id}`, { cookie: who.cookie })).status).toBe(403);
      expect((await assign({ userIds: [who.userId], projects: [{ projectId: project.id, role: "owner" }] }, who)).status).toBe(403);
    }
    expect((await create("Owner made", "public", owner)).createdBy).toBe(owner.userId);
  });
});

describe("who sees which projects", () => {
  let open1: ProjectView;
  let closed: ProjectView;
  let mine: ProjectView;

  beforeAll(async () => {
    open1 = await create("Visible to all", "public");
    closed = await create("Admins only", "private");
    mine = await create("Restricted's own", "private");
    expect((await assign({ userIds: [restricted.userId, member.userId], projects: [{ projectId: mine.id, role: "viewer" }] })).status).toBe(200);
  });

  it("admins and owners see every project", async () => {
    for (const who of [admin, owner]) {
      const list = await call<{ projects: ProjectView[] }>("GET", base(), { cookie: who.cookie });
      expect(list.body.projects.map((p) => p.id)).toEqual(expect.arrayContaining([open1.id, closed.id, mine.id]));
    }
  });

  it("members and restricted members see the public projects and those they belong to, nothing else", async () => {
    for (const who of [restricted, member]) {
      const list = await call<{ projects: ProjectView[] }>("GET", base(), { cookie: who.cookie });
      const ids = list.body.projects.map((p) => p.id);
      expect(ids).toContain(open1.id);
      expect(ids).toContain(mine.id);
      expect(ids).not.toContain(closed.id);
      expect(list.body.projects.every((p) => p.visibility === "public" || p.id === mine.id)).toBe(true);
      const hidden = await call("GET", `${base()}/${closed.id}`, { cookie: who.cookie });
      expect([hidden.status, hidden.body.error.code]).toEqual([404, "not_found"]);
      expect((await call("GET", `${base()}/${closed.id}/members`, { cookie: who.cookie })).status).toBe(404);
    }
  });

  it("shows a project's members with their roles; a restricted member sees only themself", async () => {
    const full = await call<ProjectDetailView>("GET", `${base()}/${mine.id}`, { cookie: member.cookie });
    expect(full.status).toBe(200);
    expect(full.body.members.map((m) => [m.userId, m.role, m.orgRole]).sort()).toEqual(
      [
        [member.userId, "viewer", "member"],
        [restricted.userId, "viewer", "restricted"],
      ].sort(),
    );
    const own = await call<ProjectDetailView>("GET", `${base()}/${mine.id}`, { cookie: restricted.cookie });
    expect(own.body.members.map((m) => m.userId)).toEqual([restricted.userId]);
    const listed = await call<{ members: unknown[] }>("GET", `${base()}/${mine.id}/members`, { cookie: restricted.cookie });
    expect(listed.body.members).toHaveLength(1);
  });

  it("a member's projects: their own for anyone, somebody else's with members:read, and only projects the asker may see", async () => {
    const ownList = await call<{ projects: MemberProjectView[] }>("GET", `/api/v1/orgs/${org.slug}/members/${restricted.userId}/projects`, { cookie: restricted.cookie });
    expect(ownList.body.projects).toContainEqual({ userId: restricted.userId, projectId: mine.id, projectName: mine.name, visibility: "private", role: "viewer" });
    expect((await call("GET", `/api/v1/orgs/${org.slug}/members/${member.userId}/projects`, { cookie: restricted.cookie })).status).toBe(403);
    expect((await assign({ userIds: [admin.userId], projects: [{ projectId: closed.id, role: "admin" }] })).status).toBe(200);
    const byAdmin = await call<{ projects: MemberProjectView[] }>("GET", `/api/v1/orgs/${org.slug}/members/${admin.userId}/projects`, { cookie: owner.cookie });
    expect(byAdmin.body.projects.map((p) => p.projectId)).toContain(closed.id);
    const byMember = await call<{ projects: MemberProjectView[] }>("GET", `/api/v1/orgs/${org.slug}/members/${admin.userId}/projects`, { cookie: member.cookie });
    expect(byMember.body.projects.map((p) => p.projectId)).not.toContain(closed.id);
  });
});

describe("bulk assignment", () => {
  let a: ProjectView;
  let b: ProjectView;
  let c: ProjectView;

  beforeAll(async () => {
    [a, b, c] = [await create("Bulk A"), await create("Bulk B"), await create("Bulk C", "public")];
  });

  it("gives every user the role named for every project in one request", async () => {
    const users = [member.userId, restricted.userId, admin.userId];
    const done = await assign({ userIds: users, projects: [{ projectId: a.id, role: "use" }, { projectId: b.id, role: "viewer" }, { projectId: c.id, role: "admin" }] });
    expect([done.status, done.body]).toEqual([200, { assigned: 9, unchanged: 0 }]);
    const rows = await db.execute({
      sql: "SELECT project_id, user_id, role FROM project_members WHERE project_id IN (?, ?, ?) ORDER BY project_id, user_id",
      args: [a.id, b.id, c.id],
    });
    const expected = [a, b, c].flatMap((p, i) => users.map((u) => [p.id, u, ["use", "viewer", "admin"][i]]));
    expect(rows.rows.map((r) => [r.project_id, r.user_id, r.role]).sort()).toEqual(expected.sort());
    const audit = await db.execute({ sql: "SELECT data FROM audit_events WHERE org_id = ? AND action = 'project.members_assigned' ORDER BY id DESC LIMIT 1", args: [org.id] });
    expect(JSON.parse(String(audit.rows[0]!.data))).toMatchObject({ userIds: users, assigned: 9 });
  });

  it("changes a role held already, and counts what was already so", async () => {
    const again = await assign({ userIds: [member.userId, restricted.userId], projects: [{ projectId: a.id, role: "owner" }, { projectId: b.id, role: "viewer" }] });
    expect(again.body).toEqual({ assigned: 2, unchanged: 2 });
    const detail = await call<ProjectDetailView>("GET", `${base()}/${a.id}`, { cookie: admin.cookie });
    expect(detail.body.members.find((m) => m.userId === member.userId)?.role).toBe("owner");
  });

  it("refuses all of it when a user is not a member, or a project is another organization's or unknown", async () => {
    const other = await createOrg(outsider, "projects-foreign");
    const foreign = await call<{ project: ProjectView }>("POST", `/api/v1/orgs/${other.slug}/projects`, { cookie: outsider.cookie, body: { name: "Foreign" } });
    const cases = [
      { userIds: [member.userId, outsider.userId], projects: [{ projectId: a.id, role: "use" }] },
      { userIds: [member.userId], projects: [{ projectId: a.id, role: "use" }, { projectId: foreign.body.project.id, role: "use" }] },
      { userIds: [member.userId], projects: [{ projectId: "prj_nothing", role: "use" }] },
    ];
    for (const body of cases) {
      const refused = await assign(body);
      expect([refused.status, refused.body.error.code]).toEqual([400, "validation_failed"]);
    }
    const foreignRows = await db.execute({ sql: "SELECT count(*) AS n FROM project_members WHERE project_id = ?", args: [foreign.body.project.id] });
    expect(Number(foreignRows.rows[0]!.n)).toBe(0);
    const outsiderRows = await db.execute({ sql: "SELECT count(*) AS n FROM project_members WHERE user_id = ? AND org_id = ?", args: [outsider.userId, org.id] });
    expect(Number(outsiderRows.rows[0]!.n)).toBe(0);
  });

  it("limits the request: 1 to 100 users, 1 to 50 projects, each project once, known roles", async () => {
    const project = { projectId: a.id, role: "use" };
    const bodies = [
      { userIds: [], projects: [project] },
      { userIds: [member.userId], projects: [] },
      { userIds: Array.from({ length: 101 }, (_, i) => `usr_${i}`), projects: [project] },
      { userIds: [member.userId], projects: Array.from({ length: 51 }, (_, i) => ({ projectId: `prj_${i}`, role: "use" })) },
      { userIds: [member.userId], projects: [project, { projectId: a.id, role: "viewer" }] },
      { userIds: [member.userId], projects: [{ projectId: a.id, role: "emperor" }] },
    ];
    for (const body of bodies) expect((await assign(body)).status).toBe(400);
  });

  it("takes a member out of a project, audited; a second time is 404", async () => {
    const path = `${base()}/${b.id}/members/${restricted.userId}`;
    expect((await call("DELETE", path, { cookie: admin.cookie })).status).toBe(204);
    expect((await call("DELETE", path, { cookie: admin.cookie })).status).toBe(404);
    const detail = await call<ProjectDetailView>("GET", `${base()}/${b.id}`, { cookie: admin.cookie });
    expect(detail.body.members.map((m) => m.userId)).not.toContain(restricted.userId);
    expect(await auditActions(org.id, b.id)).toContain("project.member_removed");
  });

  it("lists the projects of several members at once for the members page", async () => {
    const listed = await call<{ assignments: MemberProjectView[] }>("GET", `${base()}/assignments?userIds=${member.userId},${admin.userId}`, { cookie: admin.cookie });
    expect(listed.status).toBe(200);
    expect(listed.body.assignments.filter((x) => x.projectId === c.id).map((x) => x.userId).sort()).toEqual([admin.userId, member.userId].sort());
    expect(listed.body.assignments.every((x) => [member.userId, admin.userId].includes(x.userId))).toBe(true);
  });
});

describe("API keys", () => {
  it("need projects:read to read and projects:write to write (which includes reading)", async () => {
    const key = async (scopes: string[]) => (await call("POST", `/api/v1/orgs/${org.slug}/api-keys`, { cookie: owner.cookie, body: { name: "k", scopes } })).body.secret as string;
    const [reader, writer, unrelated] = [await key(["projects:read"]), await key(["projects:write"]), await key(["members:read"])];
    expect((await call("GET", base(), { bearer: reader })).status).toBe(200);
    expect((await call("GET", base(), { bearer: writer })).status).toBe(200);
    expect((await call("GET", base(), { bearer: unrelated })).status).toBe(403);
    expect((await call("POST", base(), { bearer: reader, body: { name: "By reader" } })).status).toBe(403);
    const made = await call<{ project: ProjectView }>("POST", base(), { bearer: writer, body: { name: "By key" } });
    expect(made.status).toBe(201);
    expect(made.body.project.createdBy).toMatch(/^key_/);
  });
});

describe("invitations carrying projects", () => {
  async function invite(email: string, projects: unknown[]) {
    const made = await call("POST", `/api/v1/orgs/${org.slug}/invitations`, { cookie: admin.cookie, body: { invitee: email, role: "member", projects } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    return { id: made.body.invitation.id as string, token: String(made.body.inviteUrl).split("/invitations/")[1]! };
  }

  it("assigns the projects on accept, in the same transaction as the membership", async () => {
    const p1 = await create("Invited into 1");
    const p2 = await create("Invited into 2", "public");
    const invitee = await signIn(uniqueEmail("prj-invitee"));
    const { token } = await invite(invitee.email, [{ projectId: p1.id, role: "admin" }, { projectId: p2.id, role: "viewer" }]);
    expect((await call("POST", `/api/v1/invitations/${token}/accept`, { cookie: invitee.cookie })).status).toBe(200);
    const mine = await call<{ projects: MemberProjectView[] }>("GET", `/api/v1/orgs/${org.slug}/members/${invitee.userId}/projects`, { cookie: invitee.cookie });
    expect(mine.body.projects.map((p) => [p.projectId, p.role]).sort()).toEqual([[p1.id, "admin"], [p2.id, "viewer"]].sort());
  });

  it("deleting a project takes it out of pending invitations, which stay pending", async () => {
    const doomed = await create("Doomed");
    const kept = await create("Kept");
    const { id } = await invite(uniqueEmail("prj-pending"), [{ projectId: doomed.id, role: "use" }, { projectId: kept.id, role: "viewer" }]);
    expect((await call("DELETE", `${base()}/${doomed.id}`, { cookie: admin.cookie })).status).toBe(204);
    const list = await call("GET", `/api/v1/orgs/${org.slug}/invitations?limit=100`, { cookie: admin.cookie });
    const invitation = list.body.invitations.find((i: { id: string }) => i.id === id);
    expect(invitation.status).toBe("pending");
    expect(invitation.projectAssignments).toEqual([{ projectId: kept.id, role: "viewer" }]);
    // Editing it with the deleted project is refused now.
    const edit = await call("PATCH", `/api/v1/orgs/${org.slug}/invitations/${id}`, { cookie: admin.cookie, body: { projects: [{ projectId: doomed.id, role: "use" }] } });
    expect(edit.status).toBe(400);
    const edited = await call("PATCH", `/api/v1/orgs/${org.slug}/invitations/${id}`, { cookie: admin.cookie, body: { projects: [] } });
    expect(edited.body.invitation.projectAssignments).toEqual([]);
  });
});

describe("the automatic private project", () => {
  async function joinByInvitation(o: { slug: string }, inviter: SignedIn, stem: string, name?: string, role = "restricted"): Promise<SignedIn> {
    const invitee = await signIn(uniqueEmail(stem));
    if (name) await call("PATCH", "/api/v1/me", { cookie: invitee.cookie, body: { name } });
    const made = await call("POST", `/api/v1/orgs/${o.slug}/invitations`, { cookie: inviter.cookie, body: { invitee: invitee.email, role } });
    expect(made.status).toBe(201);
    const token = String(made.body.inviteUrl).split("/invitations/")[1]!;
    expect((await call("POST", `/api/v1/invitations/${token}/accept`, { cookie: invitee.cookie })).status).toBe(200);
    return invitee;
  }

  it("is made on accept with the switch on: private, the member its owner, theirs alone to see", async () => {
    const o = await createOrg(owner, "personal-on");
    expect((await call("PATCH", `/api/v1/orgs/${o.slug}`, { cookie: owner.cookie, body: { autoPrivateProject: true } })).status).toBe(200);
    const joined = await joinByInvitation(o, owner, "prj-personal", "Grace Hopper");
    const seen = await call<{ projects: ProjectView[] }>("GET", `/api/v1/orgs/${o.slug}/projects`, { cookie: joined.cookie });
    expect(seen.body.projects).toEqual([expect.objectContaining({ name: "Grace Hopper's project", visibility: "private", personalUserId: joined.userId })]);
    const project = seen.body.projects[0]!;
    const detail = await call<ProjectDetailView>("GET", `/api/v1/orgs/${o.slug}/projects/${project.id}`, { cookie: owner.cookie });
    expect(detail.body.members.map((m) => [m.userId, m.role])).toEqual([[joined.userId, "owner"]]);
    const audit = await db.execute({ sql: "SELECT action, actor_type FROM audit_events WHERE org_id = ? AND target_id = ?", args: [o.id, project.id] });
    expect(audit.rows.map((r) => [r.action, r.actor_type])).toEqual([["project.created", "system"]]);

    // A second member with the same name gets a name of their own.
    const twin = await joinByInvitation(o, owner, "prj-personal-twin", "Grace Hopper");
    const twins = await call<{ projects: ProjectView[] }>("GET", `/api/v1/orgs/${o.slug}/projects`, { cookie: twin.cookie });
    expect(twins.body.projects.map((p) => p.name)).toEqual(["Grace Hopper's project (2)"]);
    // One member does not see the other's.
    expect(names((await call("GET", `/api/v1/orgs/${o.slug}/projects`, { cookie: joined.cookie })).body.projects)).toEqual(["Grace Hopper's project"]);
  });

  it("is named after the email without a name; a member who leaves loses their roles, and coming back gives them their own project again, not a second", async () => {
    const o = await createOrg(owner, "personal-return");
    await call("PATCH", `/api/v1/orgs/${o.slug}`, { cookie: owner.cookie, body: { autoPrivateProject: true } });
    const joined = await joinByInvitation(o, owner, "prj-return");
    const local = joined.email.split("@")[0]!;
    const first = (await call<{ projects: ProjectView[] }>("GET", `/api/v1/orgs/${o.slug}/projects`, { cookie: joined.cookie })).body.projects;
    expect(first.map((p) => p.name)).toEqual([`${local}'s project`]);
    const shared = await call<{ project: ProjectView }>("POST", `/api/v1/orgs/${o.slug}/projects`, { cookie: owner.cookie, body: { name: "Shared", visibility: "private" } });
    await call("POST", `/api/v1/orgs/${o.slug}/projects/assignments`, { cookie: owner.cookie, body: { userIds: [joined.userId], projects: [{ projectId: shared.body.project.id, role: "use" }] } });

    expect((await call("DELETE", `/api/v1/orgs/${o.slug}/members/${joined.userId}`, { cookie: owner.cookie })).status).toBe(204);
    const left = await db.execute({ sql: "SELECT count(*) AS n FROM project_members WHERE org_id = ? AND user_id = ?", args: [o.id, joined.userId] });
    expect(Number(left.rows[0]!.n)).toBe(0);

    const made = await call("POST", `/api/v1/orgs/${o.slug}/invitations`, { cookie: owner.cookie, body: { invitee: joined.email, role: "restricted" } });
    const token = String(made.body.inviteUrl).split("/invitations/")[1]!;
    expect((await call("POST", `/api/v1/invitations/${token}/accept`, { cookie: joined.cookie })).status).toBe(200);
    const again = (await call<{ projects: ProjectView[] }>("GET", `/api/v1/orgs/${o.slug}/projects`, { cookie: joined.cookie })).body.projects;
    expect(again.map((p) => p.id)).toEqual([first[0]!.id]);
    const roles = await db.execute({ sql: "SELECT project_id, role FROM project_members WHERE org_id = ? AND user_id = ?", args: [o.id, joined.userId] });
    expect(roles.rows.map((r) => [r.project_id, r.role])).toEqual([[first[0]!.id, "owner"]]);
  });

  it("of an organization owner is renamed or deleted by owners only, as their project roles are changed", async () => {
    await forgetOrgCreations(owner); // this file's owner makes more organizations than a day's limit
    const o = await createOrg(owner, "personal-owner");
    await call("PATCH", `/api/v1/orgs/${o.slug}`, { cookie: owner.cookie, body: { autoPrivateProject: true } });
    const coOwner = await joinByInvitation(o, owner, "prj-co-owner", "Barbara", "owner");
    const anAdmin = await joinByInvitation(o, owner, "prj-admin", "Edsger", "admin");
    const all = (await call<{ projects: ProjectView[] }>("GET", `/api/v1/orgs/${o.slug}/projects`, { cookie: owner.cookie })).body.projects;
    const ownersProject = all.find((p) => p.personalUserId === coOwner.userId)!;
    const adminsProject = all.find((p) => p.personalUserId === anAdmin.userId)!;
    const url = `/api/v1/orgs/${o.slug}/projects/${ownersProject.id}`;
    const renamed = await call("PATCH", url, { cookie: anAdmin.cookie, body: { name: "Taken over" } });
    expect([renamed.status, renamed.body.error.code]).toEqual([403, "forbidden"]);
    const deleted = await call("DELETE", url, { cookie: anAdmin.cookie });
    expect([deleted.status, deleted.body.error.code]).toEqual([403, "forbidden"]);
    expect(names((await call<{ projects: ProjectView[] }>("GET", `/api/v1/orgs/${o.slug}/projects`, { cookie: owner.cookie })).body.projects)).toContain("Barbara's project");
    // An admin's own, or another admin's, stays theirs to manage; owners manage every one.
    expect((await call("PATCH", `/api/v1/orgs/${o.slug}/projects/${adminsProject.id}`, { cookie: anAdmin.cookie, body: { name: "Edsger's lab" } })).status).toBe(200);
    expect((await call("DELETE", url, { cookie: owner.cookie })).status).toBe(204);
  });

  it("is not made with the switch off", async () => {
    const o = await createOrg(owner, "personal-off");
    await joinByInvitation(o, owner, "prj-nopersonal", "Alan Turing");
    const all = await call<{ projects: ProjectView[] }>("GET", `/api/v1/orgs/${o.slug}/projects`, { cookie: owner.cookie });
    expect(all.body.projects).toEqual([]);
  });

  it("is announced live (project.changed) to those who see every project", async () => {
    const o = await createOrg(owner, "personal-live");
    await call("PATCH", `/api/v1/orgs/${o.slug}`, { cookie: owner.cookie, body: { autoPrivateProject: true } });
    const watcher = await open(o.slug, { cookie: owner.cookie });
    await watcher.take((m) => m.type === "ready");
    const joined = await joinByInvitation(o, owner, "prj-live", "Ada");
    const event = (await watcher.take((m) => m.type === "project.changed")) as Event;
    expect(event.data).toMatchObject({ project: { name: "Ada's project", visibility: "private", personalUserId: joined.userId }, userIds: [joined.userId] });
  });
});

describe("live project.changed", () => {
  it("goes to everyone who reads projects for a public project, to admins alone for a private one", async () => {
    const o = await createOrg(owner, "projects-live");
    const [adm, res] = await Promise.all([signIn(uniqueEmail("prj-live-admin")), signIn(uniqueEmail("prj-live-restricted"))]);
    await seedMember(o, adm, "admin");
    await seedMember(o, res, "restricted");
    const adminLive = await open(o.slug, { cookie: adm.cookie });
    const restrictedLive = await open(o.slug, { cookie: res.cookie });
    await adminLive.take((m) => m.type === "ready");
    await restrictedLive.take((m) => m.type === "ready");
    const secret = await call<{ project: ProjectView }>("POST", `/api/v1/orgs/${o.slug}/projects`, { cookie: owner.cookie, body: { name: "Secret", visibility: "private" } });
    const shared = await call<{ project: ProjectView }>("POST", `/api/v1/orgs/${o.slug}/projects`, { cookie: owner.cookie, body: { name: "Shared", visibility: "public" } });
    await call("POST", `/api/v1/orgs/${o.slug}/projects/assignments`, { cookie: owner.cookie, body: { userIds: [res.userId], projects: [{ projectId: shared.body.project.id, role: "use" }] } });
    const adminEvents = (await adminLive.drain()).filter((e) => e.type === "project.changed");
    expect(adminEvents.map((e) => (e.data as { project: ProjectView }).project.name)).toEqual(["Secret", "Shared", "Shared"]);
    expect((adminEvents[2]!.data as { userIds: string[] }).userIds).toEqual([res.userId]);
    const restrictedEvents = (await restrictedLive.drain()).filter(isEvent).filter((e) => e.type === "project.changed");
    expect(restrictedEvents.map((e) => (e.data as { project: ProjectView }).project.id)).toEqual([shared.body.project.id, shared.body.project.id]);
    expect(JSON.stringify(restrictedLive.messages)).not.toContain(secret.body.project.id);
    // A deletion is announced by id.
    await call("DELETE", `/api/v1/orgs/${o.slug}/projects/${shared.body.project.id}`, { cookie: owner.cookie });
    const deleted = (await adminLive.take((m) => m.type === "project.changed")) as Event;
    expect(deleted.data).toEqual({ project: { id: shared.body.project.id, deleted: true } });
  });
});

describe("review hardening", () => {
  const apiKey = async (o: { slug: string }, scopes: string[]) =>
    (await call("POST", `/api/v1/orgs/${o.slug}/api-keys`, { cookie: owner.cookie, body: { name: "k", scopes } })).body.secret as string;
  const invitations = () => `/api/v1/orgs/${org.slug}/invitations`;

  it("reading several members' projects needs projects:read besides members:read (an API key: both scopes)", async () => {
    const hidden = await create("Hidden from member keys");
    expect((await assign({ userIds: [member.userId], projects: [{ projectId: hidden.id, role: "use" }] })).status).toBe(200);
    const url = `${base()}/assignments?userIds=${member.userId}`;
    const membersOnly = await call("GET", url, { bearer: await apiKey(org, ["members:read"]) });
    expect(membersOnly.status).toBe(403);
    expect(membersOnly.body.error).toMatchObject({ code: "forbidden", details: { permission: "projects:read" } });
    expect(JSON.stringify(membersOnly.body)).not.toContain(hidden.name);
    const both = await call<{ assignments: MemberProjectView[] }>("GET", url, { bearer: await apiKey(org, ["members:read", "projects:read"]) });
    expect(both.status).toBe(200);
    expect(both.body.assignments.map((a) => a.projectName)).toContain(hidden.name);
  });

  it("an invitation naming projects needs projects:write (create, bulk, edit), asked before any project id is checked", async () => {
    const p = await create("Granted by invitation");
    const inviteOnly = await apiKey(org, ["invitations:write"]);
    for (const projectId of [p.id, "prj_does_not_exist"]) {
      const made = await call("POST", invitations(), { bearer: inviteOnly, body: { invitee: uniqueEmail("prj-key-inv"), role: "member", projects: [{ projectId, role: "owner" }] } });
      expect(made.status, JSON.stringify(made.body)).toBe(403);
      expect(made.body.error.details).toEqual({ permission: "projects:write" });
    }
    const bulk = await call("POST", `${invitations()}/bulk`, {
      bearer: inviteOnly,
      body: { invitations: [{ invitee: uniqueEmail("prj-key-bulk"), projects: [{ projectId: p.id, role: "owner" }] }, { invitee: uniqueEmail("prj-key-bulk2") }] },
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body.results.map((r: { ok: boolean; error?: { code: string } }) => (r.ok ? "ok" : r.error?.code))).toEqual(["forbidden", "ok"]);
    const plain = await call("POST", invitations(), { bearer: inviteOnly, body: { invitee: uniqueEmail("prj-key-plain"), role: "member" } });
    expect(plain.status).toBe(201);
    const id = plain.body.invitation.id as string;
    const edit = await call("PATCH", `${invitations()}/${id}`, { bearer: inviteOnly, body: { projects: [{ projectId: p.id, role: "admin" }] } });
    expect(edit.status).toBe(403);
    expect((await call("PATCH", `${invitations()}/${id}`, { bearer: inviteOnly, body: { projects: [] } })).status).toBe(200);
    const both = await apiKey(org, ["invitations:write", "projects:write"]);
    expect((await call("PATCH", `${invitations()}/${id}`, { bearer: both, body: { projects: [{ projectId: p.id, role: "admin" }] } })).status).toBe(200);
  });

  it("refuses an invitation naming a project twice (create and edit)", async () => {
    const p = await create("Named twice");
    const twice = [{ projectId: p.id, role: "viewer" }, { projectId: p.id, role: "owner" }];
    const made = await call("POST", invitations(), { cookie: admin.cookie, body: { invitee: uniqueEmail("prj-twice"), projects: twice } });
    expect(made.status).toBe(400);
    expect(made.body.error.code).toBe("validation_failed");
    const plain = await call("POST", invitations(), { cookie: admin.cookie, body: { invitee: uniqueEmail("prj-twice2") } });
    const edit = await call("PATCH", `${invitations()}/${plain.body.invitation.id}`, { cookie: admin.cookie, body: { projects: twice } });
    expect(edit.status).toBe(400);
  });

  it("re-issuing an expired invitation drops its projects deleted since", async () => {
    const o = await createOrg(owner, "prj-reissue");
    const doomed = (await call<{ project: ProjectView }>("POST", `/api/v1/orgs/${o.slug}/projects`, { cookie: owner.cookie, body: { name: "Doomed later" } })).body.project;
    const kept = (await call<{ project: ProjectView }>("POST", `/api/v1/orgs/${o.slug}/projects`, { cookie: owner.cookie, body: { name: "Kept later" } })).body.project;
    const made = await call("POST", `/api/v1/orgs/${o.slug}/invitations`, {
      cookie: owner.cookie,
      body: { invitee: uniqueEmail("prj-reissue"), expiresInDays: 1, projects: [{ projectId: doomed.id, role: "use" }, { projectId: kept.id, role: "viewer" }] },
    });
    expect(made.status).toBe(201);
    // The room sets its alarm to the expiry once the invitation's group settled (it asks the
    // outbox when mail is next due first): wait for it, then move the room's clock past the
    // expiry; its alarm marks the invitation expired.
    await expect
      .poll(() => runInDurableObject(orgRoom(env, o.id), (_room: OrgRoom, state: DurableObjectState) => state.storage.getAlarm()))
      .not.toBeNull();
    const later = Date.now() + 2 * 86_400_000;
    await runInDurableObject(orgRoom(env, o.id), (room: OrgRoom) => {
      (room as unknown as { clock: { now: () => number } }).clock = { now: () => later };
    });
    expect(await runDurableObjectAlarm(orgRoom(env, o.id))).toBe(true);
    expect((await call("DELETE", `/api/v1/orgs/${o.slug}/projects/${doomed.id}`, { cookie: owner.cookie })).status).toBe(204);
    const resent = await call("POST", `/api/v1/orgs/${o.slug}/invitations/${made.body.invitation.id}/resend`, { cookie: owner.cookie });
    expect(resent.status, JSON.stringify(resent.body)).toBe(200);
    expect(resent.body.invitation.projectAssignments).toEqual([{ projectId: kept.id, role: "viewer" }]);
  });

  it("accepts a display name whose automatic project name would cut an emoji in two", async () => {
    const o = await createOrg(owner, "prj-emoji");
    await call("PATCH", `/api/v1/orgs/${o.slug}`, { cookie: owner.cookie, body: { autoPrivateProject: true } });
    const invitee = await signIn(uniqueEmail("prj-emoji"));
    const name = `${"a".repeat(89)}😀b`;
    expect((await call("PATCH", "/api/v1/me", { cookie: invitee.cookie, body: { name } })).status).toBe(200);
    const made = await call("POST", `/api/v1/orgs/${o.slug}/invitations`, { cookie: owner.cookie, body: { invitee: invitee.email, role: "member" } });
    const token = String(made.body.inviteUrl).split("/invitations/")[1]!;
    const accepted = await call("POST", `/api/v1/invitations/${token}/accept`, { cookie: invitee.cookie });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    const mine = await call<{ projects: ProjectView[] }>("GET", `/api/v1/orgs/${o.slug}/projects`, { cookie: invitee.cookie });
    expect(mine.body.projects.map((p) => p.name)).toEqual([`${"a".repeat(89)}'s project`]);
  });

  it("answers 400 validation_failed, not 500, for text holding a lone surrogate", async () => {
    const lone = "bad \ud800 text";
    const answers = [
      await call("POST", base(), { cookie: admin.cookie, body: { name: lone } }),
      await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { name: lone } }),
      await call("PATCH", "/api/v1/me", { cookie: member.cookie, body: { name: lone } }),
      await call("POST", invitations(), { cookie: admin.cookie, body: { invitee: uniqueEmail("prj-lone"), message: lone } }),
      await call("PATCH", `/api/v1/orgs/${org.slug}/members/${member.userId}`, { cookie: owner.cookie, body: { title: lone } }),
      await call("POST", `/api/v1/orgs/${org.slug}/api-keys`, { cookie: owner.cookie, body: { name: lone, scopes: ["members:read"] } }),
    ];
    expect(answers.map((a) => [a.status, a.body?.error?.code])).toEqual(answers.map(() => [400, "validation_failed"]));
  });

  it("cleans project names (NFKC, invisible characters, white space) before the length and uniqueness checks", async () => {
    const made = await create("Clean\u200B  \tname\u202E");
    expect(made.name).toBe("Clean name");
    for (const twin of ["ＣＬＥＡＮ name", "clean\u00A0name", "\u2066Clean name\u2069", "Clean\u200Dname".replace("\u200D", " \u200D")]) {
      const again = await call("POST", base(), { cookie: admin.cookie, body: { name: twin } });
      expect(again.status, twin).toBe(409);
      expect(again.body.error.code).toBe("project_name_taken");
    }
    const empty = await call("POST", base(), { cookie: admin.cookie, body: { name: "\u200B\u200E \u2060" } });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe("validation_failed");
    const renamed = await call("PATCH", `${base()}/${made.id}`, { cookie: admin.cookie, body: { name: "\uFEFF" } });
    expect(renamed.status).toBe(400);
    // A display name is cleaned the same way.
    const me = await call("PATCH", "/api/v1/me", { cookie: outsider.cookie, body: { name: "Ｇrace\u200B  Hopper" } });
    expect(me.body.user.name).toBe("Grace Hopper");
  });

  it("admins do not change an organization owner's project roles; owners do", async () => {
    const p = await create("Owner's place");
    const byAdmin = await assign({ userIds: [owner.userId], projects: [{ projectId: p.id, role: "viewer" }] });
    expect(byAdmin.status).toBe(403);
    expect((await assign({ userIds: [owner.userId], projects: [{ projectId: p.id, role: "owner" }] }, owner)).status).toBe(200);
    expect((await assign({ userIds: [owner.userId], projects: [{ projectId: p.id, role: "viewer" }] })).status).toBe(403);
    expect((await call("DELETE", `${base()}/${p.id}/members/${owner.userId}`, { cookie: admin.cookie })).status).toBe(403);
    expect((await call("DELETE", `${base()}/${p.id}/members/${owner.userId}`, { cookie: owner.cookie })).status).toBe(204);
  });

  it("live: userIds reach only viewers who read members; a private project's deletion only those who saw it", async () => {
    const o = await createOrg(owner, "prj-live-shape");
    const [adm, res, mem] = await Promise.all([signIn(uniqueEmail("prj-ls-admin")), signIn(uniqueEmail("prj-ls-res")), signIn(uniqueEmail("prj-ls-mem"))]);
    await seedMember(o, adm, "admin");
    await seedMember(o, res, "restricted");
    await seedMember(o, mem, "member");
    const adminLive = await open(o.slug, { cookie: adm.cookie });
    const restrictedLive = await open(o.slug, { cookie: res.cookie });
    await adminLive.take((m) => m.type === "ready");
    await restrictedLive.take((m) => m.type === "ready");
    const url = `/api/v1/orgs/${o.slug}/projects`;
    const shared = (await call<{ project: ProjectView }>("POST", url, { cookie: owner.cookie, body: { name: "Open", visibility: "public" } })).body.project;
    const secret = (await call<{ project: ProjectView }>("POST", url, { cookie: owner.cookie, body: { name: "Closed", visibility: "private" } })).body.project;
    await call("POST", `${url}/assignments`, { cookie: owner.cookie, body: { userIds: [res.userId, mem.userId], projects: [{ projectId: shared.id, role: "use" }] } });
    await call("POST", `${url}/assignments`, { cookie: owner.cookie, body: { userIds: [mem.userId], projects: [{ projectId: shared.id, role: "viewer" }] } });
    expect((await call("DELETE", `${url}/${secret.id}`, { cookie: owner.cookie })).status).toBe(204);
    const adminSaw = (await adminLive.drain()).filter((e) => e.type === "project.changed").map((e) => e.data);
    expect(adminSaw).toEqual([
      expect.objectContaining({ project: expect.objectContaining({ id: shared.id }) }),
      expect.objectContaining({ project: expect.objectContaining({ id: secret.id }) }),
      expect.objectContaining({ userIds: [res.userId, mem.userId] }),
      expect.objectContaining({ userIds: [mem.userId] }),
      { project: { id: secret.id, deleted: true } },
    ]);
    const restrictedSaw = (await restrictedLive.drain()).filter((e) => e.type === "project.changed").map((e) => e.data as { project: { id: string }; userIds?: string[] });
    expect(restrictedSaw.map((d) => [d.project.id, d.userIds])).toEqual([
      [shared.id, undefined],
      [shared.id, [res.userId]],
      [shared.id, undefined],
    ]);
    expect(JSON.stringify(restrictedLive.messages)).not.toContain(mem.userId);
    expect(JSON.stringify(restrictedLive.messages)).not.toContain(secret.id);
    // A resume replays the same shapes.
    restrictedLive.send({ type: "resume", since: 0 });
    await restrictedLive.take((m) => isEvent(m) && m.type === "project.changed" && (m.data as { userIds?: string[] }).userIds !== undefined);
    const replayed = (await restrictedLive.drain()).filter((e) => e.type === "project.changed");
    expect(JSON.stringify(replayed)).not.toContain(mem.userId);
  });

  it("live: a member taken out of their own automatic project hears of it, then of nothing more about it", async () => {
    const o = await createOrg(owner, "prj-live-personal");
    await call("PATCH", `/api/v1/orgs/${o.slug}`, { cookie: owner.cookie, body: { autoPrivateProject: true } });
    const joined = await signIn(uniqueEmail("prj-lp"));
    const made = await call("POST", `/api/v1/orgs/${o.slug}/invitations`, { cookie: owner.cookie, body: { invitee: joined.email, role: "member" } });
    const token = String(made.body.inviteUrl).split("/invitations/")[1]!;
    expect((await call("POST", `/api/v1/invitations/${token}/accept`, { cookie: joined.cookie })).status).toBe(200);
    const url = `/api/v1/orgs/${o.slug}/projects`;
    const personal = (await call<{ projects: ProjectView[] }>("GET", url, { cookie: joined.cookie })).body.projects[0]!;
    const live = await open(o.slug, { cookie: joined.cookie });
    await live.take((m) => m.type === "ready");
    expect((await call("PATCH", `${url}/${personal.id}`, { cookie: owner.cookie, body: { name: "Still yours" } })).status).toBe(200);
    expect((await call("DELETE", `${url}/${personal.id}/members/${joined.userId}`, { cookie: owner.cookie })).status).toBe(204);
    expect((await call("PATCH", `${url}/${personal.id}`, { cookie: owner.cookie, body: { name: "No longer yours" } })).status).toBe(200);
    expect((await call("DELETE", `${url}/${personal.id}`, { cookie: owner.cookie })).status).toBe(204);
    const saw = (await live.drain()).filter((e) => e.type === "project.changed").map((e) => e.data as { project: { name?: string }; userIds?: string[] });
    expect(saw.map((d) => [d.project.name, d.userIds])).toEqual([
      ["Still yours", undefined],
      ["Still yours", [joined.userId]],
    ]);
    expect(JSON.stringify(live.messages)).not.toContain("No longer yours");
  });
});
