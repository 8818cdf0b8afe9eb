import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { migratedDatabase } from "./support/migrated-database.ts";

// The triggers of migration 0003 on a real database: whatever statement changes members
// or invitations, org_seat_counts says what counting the rows says.
const database = migratedDatabase("seat-counts");

const newOrg = (id: string) => database.client.execute({ sql: "INSERT INTO organizations (id, slug, name, seat_limit, created_at, updated_at) VALUES (?, ?, ?, 10, 0, 0)", args: [id, id.replace("_", "-"), id] });
const member = (org: string, user: string) =>
  database.client.execute({ sql: "INSERT INTO memberships (org_id, user_id, role, user_email, joined_via, joined_at) VALUES (?, ?, 'member', ?, 'api', 0)", args: [org, user, `${user}@x.com`] });
let invitationCounter = 0;
const invitation = (org: string, status = "pending", invitee: { email?: string; userId?: string } = {}) => {
  const id = `inv_${++invitationCounter}`;
  return database.client
    .execute({
      sql: "INSERT INTO invitations (id, org_id, email, invitee_user_id, role, status, token_hash, expires_at, send_count, last_sent_at, created_by, created_at) VALUES (?, ?, ?, ?, 'member', ?, ?, 1, 1, 0, 'usr_1', 0)",
      args: [id, org, invitee.email ?? `${id}@x.com`, invitee.userId ?? null, status, id.padEnd(64, "0")],
    })
    .then(() => id);
};

/** What org_seat_counts says, and what counting says. */
async function counts(org: string): Promise<{ stored: [number, number] | null; counted: [number, number] }> {
  const stored = await database.client.execute({ sql: "SELECT members, pending FROM org_seat_counts WHERE org_id = ?", args: [org] });
  const members = await database.client.execute({ sql: "SELECT count(*) FROM memberships WHERE org_id = ?", args: [org] });
  const pending = await database.client.execute({ sql: "SELECT count(*) FROM invitations WHERE org_id = ? AND status = 'pending'", args: [org] });
  const row = stored.rows[0];
  return { stored: row ? [Number(row[0]), Number(row[1])] : null, counted: [Number(members.rows[0]![0]), Number(pending.rows[0]![0])] };
}

async function expectCounts(org: string, members: number, pending: number): Promise<void> {
  const { stored, counted } = await counts(org);
  expect(counted).toEqual([members, pending]);
  expect(stored).toEqual([members, pending]);
}

describe("org_seat_counts", () => {
  it("has its triggers after every migration (drizzle-kit does not model them: a table it rebuilds loses them)", async () => {
    const triggers = await database.client.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'org_seat_counts_%' ORDER BY name");
    expect(triggers.rows.map((row) => `${row[1]}.${row[0]}`)).toEqual([
      "invitations.org_seat_counts_invitation_changed",
      "invitations.org_seat_counts_invitation_in",
      "invitations.org_seat_counts_invitation_out",
      "memberships.org_seat_counts_member_in",
      "memberships.org_seat_counts_member_moved",
      "memberships.org_seat_counts_member_out",
      "organizations.org_seat_counts_new_org",
    ]);
  });

  it("starts at zero with the organization and follows members in and out", async () => {
    await newOrg("org_a");
    await newOrg("org_b");
    await expectCounts("org_a", 0, 0);
    await member("org_a", "u1");
    await member("org_a", "u2");
    await member("org_b", "u1");
    await expectCounts("org_a", 2, 0);
    await expectCounts("org_b", 1, 0);
    // A refused insert (the same member twice) counts nothing.
    await expect(member("org_a", "u1")).rejects.toThrow();
    await expectCounts("org_a", 2, 0);
    await database.client.execute("DELETE FROM memberships WHERE org_id = 'org_a' AND user_id = 'u1'");
    await database.client.execute("UPDATE memberships SET role = 'admin' WHERE org_id = 'org_a'");
    await expectCounts("org_a", 1, 0);
    await database.client.execute("UPDATE memberships SET org_id = 'org_b' WHERE org_id = 'org_a'");
    await expectCounts("org_a", 0, 0);
    await expectCounts("org_b", 2, 0);
  });

  it("counts pending invitations through every change of status, in single and multi-row statements", async () => {
    await newOrg("org_c");
    const a = await invitation("org_c");
    const b = await invitation("org_c");
    await invitation("org_c", "revoked");
    await expectCounts("org_c", 0, 2);
    await database.client.execute({ sql: "UPDATE invitations SET status = 'accepted' WHERE id = ?", args: [a] });
    await expectCounts("org_c", 0, 1);
    // A change that keeps it pending, or keeps it answered, counts nothing.
    await database.client.execute({ sql: "UPDATE invitations SET status = 'pending', role = 'admin' WHERE id = ?", args: [b] });
    await database.client.execute({ sql: "UPDATE invitations SET status = 'declined' WHERE id = ?", args: [a] });
    await expectCounts("org_c", 0, 1);
    // Several rows at once: each row fires its trigger.
    await invitation("org_c");
    await invitation("org_c");
    await database.client.execute("UPDATE invitations SET status = 'expired' WHERE org_id = 'org_c' AND status = 'pending'");
    await expectCounts("org_c", 0, 0);
    const c = await invitation("org_c");
    await invitation("org_c");
    await database.client.execute({ sql: "DELETE FROM invitations WHERE id IN (?, ?)", args: [c, a] });
    await expectCounts("org_c", 0, 1);
  });

  it("goes with its organization", async () => {
    await newOrg("org_d");
    await member("org_d", "u1");
    await invitation("org_d");
    await database.client.execute("DELETE FROM organizations WHERE id = 'org_d'");
    expect((await counts("org_d")).stored).toBeNull();
  });

  it("is backfilled for organizations that existed before the migration", async () => {
    const migration = readFileSync(new URL("../../db/migrations/0003_seat_counts.sql", import.meta.url), "utf8");
    const backfill = migration.split("--> statement-breakpoint").find((s) => s.includes("INSERT INTO `org_seat_counts` (`org_id`, `members`, `pending`)"));
    expect(backfill).toBeDefined();
    const before = await Promise.all(["org_b", "org_c"].map(counts));
    await database.client.execute("DELETE FROM org_seat_counts");
    await database.client.execute(backfill!);
    const after = await Promise.all(["org_b", "org_c"].map(counts));
    expect(after).toEqual(before);
    expect(after.map((c) => c.stored)).toEqual(after.map((c) => c.counted));
  });
});

describe("one pending invitation per invitee (migration 0005)", () => {
  it("per address for invitations by email, per account for invitations by username, never across the two", async () => {
    await newOrg("org_e");
    await invitation("org_e", "pending", { email: "ada@x.com" });
    await expect(invitation("org_e", "pending", { email: "ada@x.com" })).rejects.toThrow(/UNIQUE/);
    // The same person by username: another kind, allowed (the room never compares them).
    await invitation("org_e", "pending", { email: "ada@x.com", userId: "usr_ada" });
    await expect(invitation("org_e", "pending", { email: "other@x.com", userId: "usr_ada" })).rejects.toThrow(/UNIQUE/);
    // Answered ones do not count.
    await invitation("org_e", "revoked", { email: "ada@x.com" });
    await invitation("org_e", "accepted", { email: "ada@x.com", userId: "usr_ada" });
    await expectCounts("org_e", 0, 2);
  });
});
