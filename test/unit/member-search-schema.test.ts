import { describe, expect, it } from "vitest";
import { migratedDatabase } from "./support/migrated-database.ts";

// The fts5 index of migration 0010 on a real database: whatever statement changes a
// membership, a trigram search finds exactly what a LIKE over the table finds.
const database = migratedDatabase("member-search");

const run = (sql: string, args: Array<string | null> = []) => database.client.execute({ sql, args });
const member = (org: string, user: string, name: string, email: string, title = "", username: string | null = null) =>
  run("INSERT INTO memberships (org_id, user_id, role, user_name, user_email, title, user_username, joined_via, joined_at) VALUES (?, ?, 'member', ?, ?, ?, ?, 'api', 0)", [org, user, name, email, title, username]);

/** The users of `org` whose name, email, title or username holds `q`: through the index, and by LIKE. */
async function found(org: string, q: string): Promise<{ indexed: string[]; scanned: string[] }> {
  const indexed = await run(
    "SELECT m.user_id FROM member_search s JOIN memberships m ON m.rowid = s.rowid WHERE member_search MATCH ? AND m.org_id = ? ORDER BY m.user_id",
    [`"${q.replaceAll('"', '""')}"`, org],
  );
  const pattern = `%${q}%`;
  const scanned = await run(
    "SELECT user_id FROM memberships WHERE org_id = ? AND (user_name LIKE ?2 OR user_email LIKE ?2 OR title LIKE ?2 OR user_username LIKE ?2) ORDER BY user_id",
    [org, pattern],
  );
  return { indexed: indexed.rows.map((r) => String(r[0])), scanned: scanned.rows.map((r) => String(r[0])) };
}

describe("member_search", () => {
  it("has its triggers after every migration (drizzle-kit does not model them: a table it rebuilds loses them)", async () => {
    const triggers = await run("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'memberships' AND name LIKE 'member_search_%' ORDER BY name");
    expect(triggers.rows.map((r) => r[0])).toEqual(["member_search_delete", "member_search_insert", "member_search_update"]);
  });

  it("finds a substring of any searchable column, in any case, through inserts, updates and deletes", async () => {
    await run("INSERT INTO organizations (id, slug, name, seat_limit, created_at, updated_at) VALUES ('org_a', 'org-a', 'A', 10, 0, 0), ('org_b', 'org-b', 'B', 10, 0, 0)");
    await member("org_a", "usr_1", "Ada Lovelace", "ada@example.com", "Analyst", "countess");
    await member("org_a", "usr_2", "Grace Hopper", "grace@navy.mil", "Rear Admiral");
    await member("org_b", "usr_3", "Ada Other", "ada@other.org");
    expect(await found("org_a", "LOVEL")).toEqual({ indexed: ["usr_1"], scanned: ["usr_1"] });
    expect(await found("org_a", "admiral")).toEqual({ indexed: ["usr_2"], scanned: ["usr_2"] });
    expect(await found("org_a", "untes")).toEqual({ indexed: ["usr_1"], scanned: ["usr_1"] });
    // Tenant by tenant: the other organization's Ada is not org_a's.
    expect(await found("org_a", "ada")).toEqual({ indexed: ["usr_1"], scanned: ["usr_1"] });

    await run("UPDATE memberships SET user_name = 'Grace Brewster Murray', title = '' WHERE user_id = 'usr_2'");
    expect(await found("org_a", "admiral")).toEqual({ indexed: [], scanned: [] });
    expect(await found("org_a", "brewster")).toEqual({ indexed: ["usr_2"], scanned: ["usr_2"] });
    // A change to other columns leaves the index alone, and it still agrees.
    await run("UPDATE memberships SET last_active_at = 5, role = 'admin' WHERE user_id = 'usr_2'");
    expect(await found("org_a", "brewster")).toEqual({ indexed: ["usr_2"], scanned: ["usr_2"] });

    await run("DELETE FROM memberships WHERE user_id = 'usr_1'");
    expect(await found("org_a", "lovelace")).toEqual({ indexed: [], scanned: [] });
    // Deleting the organization cascades to its memberships, and through the trigger to the index.
    await run("DELETE FROM organizations WHERE id = 'org_b'");
    const left = await run("SELECT count(*) FROM member_search WHERE member_search MATCH '\"ada\"'");
    expect(Number(left.rows[0]![0])).toBe(0);
    await run("INSERT INTO member_search (member_search) VALUES ('integrity-check')");
  });
});
