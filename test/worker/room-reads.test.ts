import { createClient } from "@libsql/client/web";
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { orgRoom } from "../../worker/org/room-client.ts";
import type { OrgRoom } from "../../worker/org/room.ts";
import type { Actor } from "../../worker/org/actor.ts";
import type { Statement } from "../../worker/lib/sql/statement.ts";
import { toInStatement } from "../../worker/lib/sql/statement.ts";
import { call, createOrg, signIn, uniqueEmail } from "./support/client.ts";

/**
 * Commands planned while the group ahead of them commits (docs/decisions/0016-room-index-and-overlapping-commits.md):
 * a planner that reads the database waits until what was planned before it committed
 * (`ctx.read()`, group-commit.ts `NeedsCommitted`), and a failed commit's mail budget is
 * taken back with the rest of its changes. Found by attacking the overlapping commits.
 */

const db = createClient({ url: env.DATABASE_URL ?? "" });
const sqlOf = (statements: readonly Statement[]) => statements.map((s) => (toInStatement(s) as { sql: string }).sql).join("\n");
const room = (orgId: string) => orgRoom(env, orgId);
const turns = async (n = 50) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 1));
};

async function team(stem: string, limit = 20) {
  const owner = await signIn(uniqueEmail(`${stem}-owner`));
  const org = await createOrg(owner, stem);
  expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { seatLimit: limit } })).status).toBe(200);
  const actor: Actor = { type: "user", userId: owner.userId, role: "owner", sessionId: "s" };
  return { owner, org, actor };
}

/** Holds the first commit whose SQL matches `pattern` until `release()` is called. */
function holdFirst(r: OrgRoom, pattern: RegExp) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held!: () => void;
  const holding = new Promise<void>((resolve) => (held = resolve));
  let armed = true;
  r.faults = {
    beforeCommit: async (statements) => {
      if (!armed || !pattern.test(sqlOf(statements))) return;
      armed = false;
      held();
      await released;
    },
  };
  return { release, holding };
}

describe("a planner that reads the database while the group ahead commits", () => {
  it("finds a project for an update planned on top of a project's creation (which commits first)", async () => {
    const { org, actor } = await team("rd-prj");
    const answers = await runInDurableObject(room(org.id), async (r: OrgRoom) => {
      const gate = holdFirst(r, /insert into "?projects"?/i);
      const created = r.createProject(org.id, actor, { name: "Alpha", visibility: "public" });
      await gate.holding; // the create is in flight, not committed
      const id = r.slot.index.projectNamed("Alpha")!;
      expect(id).toBeTruthy();
      // Ordered after the create by the room (planned on top of it).
      const renamed = r.updateProject(org.id, actor, id, { name: "Beta" });
      await turns();
      gate.release();
      return { created: await created, renamed: await renamed };
    });
    expect(answers.created.ok).toBe(true);
    // The room ordered the rename after the create, and the create committed: the rename must apply.
    expect(answers.renamed).toMatchObject({ ok: true });
  });

  it("finds the member for a removal from a project planned on top of the assignment (which commits first)", async () => {
    const { org, actor, owner } = await team("rd-prj2");
    const created = await runInDurableObject(room(org.id), (r: OrgRoom) => r.createProject(org.id, actor, { name: "Gamma", visibility: "public" }));
    expect(created.ok).toBe(true);
    const projectId = (created as { value: { id: string } }).value.id;
    const answers = await runInDurableObject(room(org.id), async (r: OrgRoom) => {
      const gate = holdFirst(r, /insert into "?project_members"?/i);
      const assigned = r.assignProjects(org.id, actor, { userIds: [owner.userId], projects: [{ projectId, role: "admin" }] });
      await gate.holding;
      const removed = r.removeProjectMember(org.id, actor, projectId, owner.userId);
      await turns();
      gate.release();
      return { assigned: await assigned, removed: await removed };
    });
    expect(answers.assigned.ok).toBe(true);
    expect(answers.removed).toMatchObject({ ok: true });
    const left = await db.execute({ sql: "SELECT count(*) AS n FROM project_members WHERE project_id = ?", args: [projectId] });
    expect(Number(left.rows[0]?.n)).toBe(0);
  });
  it("refuses a second removal from a project planned on top of the first (which commits first), never done twice", async () => {
    const { org, actor, owner } = await team("rd-prj3");
    const created = await runInDurableObject(room(org.id), (r: OrgRoom) => r.createProject(org.id, actor, { name: "Delta", visibility: "public" }));
    const projectId = (created as { value: { id: string } }).value.id;
    const assigned = await runInDurableObject(room(org.id), (r: OrgRoom) => r.assignProjects(org.id, actor, { userIds: [owner.userId], projects: [{ projectId, role: "admin" }] }));
    expect(assigned.ok).toBe(true);
    const answers = await runInDurableObject(room(org.id), async (r: OrgRoom) => {
      const gate = holdFirst(r, /delete from "?project_members"?/i);
      const first = r.removeProjectMember(org.id, actor, projectId, owner.userId);
      await gate.holding;
      const second = r.removeProjectMember(org.id, actor, projectId, owner.userId);
      await turns();
      gate.release();
      return [await first, await second];
    });
    const audits = await db.execute({ sql: "SELECT count(*) AS n FROM audit_events WHERE target_id = ? AND action = 'project.member_removed'", args: [projectId] });
    expect(answers.map((a) => a.ok)).toEqual([true, false]);
    expect(Number(audits.rows[0]?.n)).toBe(1);
  });
});

describe("the organization's hourly mail budget under a failed commit", () => {
  it("charges an invitation's mail once when its group failed before the database and it was retried alone", async () => {
    const { owner, org } = await team("rd-budget");
    await runInDurableObject(room(org.id), (r: OrgRoom) => {
      let armed = true;
      r.faults = {
        beforeCommit: () => {
          if (!armed) return;
          armed = false;
          throw new Error("fetch failed: injected"); // never reached the database
        },
      };
    });
    const answer = await call<{ invitation: { id: string } }>("POST", `/api/v1/orgs/${org.slug}/invitations`, { cookie: owner.cookie, body: { invitee: uniqueEmail("rd-budget-x"), role: "member", mail: true } });
    expect(answer.status).toBe(201);
    const used = await runInDurableObject(room(org.id), (r: OrgRoom, state) => {
      r.faults = {};
      return state.storage.sql.exec<{ used: number }>("SELECT used FROM mail_budget").toArray()[0]?.used;
    });
    expect(used).toBe(1);
  });
});
