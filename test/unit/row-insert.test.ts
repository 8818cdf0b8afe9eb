import { drizzle } from "drizzle-orm/libsql";
import { describe, expect, it } from "vitest";
import { auditEvents, invitations, mailOutbox, notifications } from "../../db/schema/index.ts";
import { combineInserts, isRawStatement, rawStatement, rowInsert, type RawStatement } from "../../worker/lib/row-insert.ts";

/** What drizzle itself would send for the same insert (no database: `drizzle.mock()`). */
const db = drizzle.mock();
const drizzleSql = (query: { toSQL(): { sql: string; params: unknown[] } }) => query.toSQL();

const invitation = {
  id: "inv_1",
  orgId: "org_1",
  email: "ada@example.com",
  username: null,
  inviteeUserId: null,
  role: "member" as const,
  projectAssignments: [{ projectId: "prj_1", role: "viewer" as const }],
  message: "Welcome \"aboard\"",
  status: "pending" as const,
  delivery: "queued" as const,
  tokenHash: "ab".repeat(32),
  expiresAt: new Date(1_800_000_000_000),
  sendCount: 1,
  lastSentAt: new Date(1_700_000_000_000),
  createdBy: "usr_1",
  createdAt: new Date(1_700_000_000_000),
  respondedAt: null,
};

describe("rowInsert", () => {
  it("sends exactly what drizzle sends for a row that sets every column (JSON stringified, dates as ms)", () => {
    const raw = rowInsert(invitations, invitation);
    const reference = drizzleSql(db.insert(invitations).values(invitation));
    expect(isRawStatement(raw)).toBe(true);
    expect(raw.sql).toBe(reference.sql);
    expect(raw.args).toEqual(reference.params);
    expect(raw.args).toContain(JSON.stringify(invitation.projectAssignments));
    expect(raw.args).toContain(1_800_000_000_000);
  });

  it("leaves a column the row does not set to the database's default (drizzle writes null there)", () => {
    const row = { orgId: "org_1", actorType: "user" as const, actorId: "usr_1", action: "x.y", targetType: "org", targetId: null, data: { a: 1 }, at: new Date(5) };
    const raw = rowInsert(auditEvents, row);
    const reference = drizzleSql(db.insert(auditEvents).values(row));
    // The autoincrement id: drizzle sends a literal null, rowInsert leaves the column out.
    const names = (sql: string) => /\(([^)]*)\) values/.exec(sql)![1]!.split(", ");
    expect(names(reference.sql)[0]).toBe('"id"');
    expect(names(raw.sql)).toEqual(names(reference.sql).slice(1));
    expect(raw.args).toEqual(reference.params);
    expect(raw.args).toContain(JSON.stringify({ a: 1 }));

    // A column with an SQL default that the row leaves out is left out (the database fills it).
    const note = rowInsert(notifications, { id: "ntf_1", userId: "usr_1", type: "t", createdAt: new Date(7) });
    expect(note.sql).toBe('insert into "notifications" ("id", "user_id", "type", "created_at") values (?, ?, ?, ?)');
    expect(note.args).toEqual(["ntf_1", "usr_1", "t", 7]);
  });

  it("reuses one SQL text per table and set of columns, and refuses SQL expressions as values", () => {
    const a = rowInsert(mailOutbox, { id: "m1", orgId: "o", to: "a@x.com", template: "invitation", idempotencyKey: "m1", nextAttemptAt: new Date(1), createdAt: new Date(1) });
    const b = rowInsert(mailOutbox, { id: "m2", orgId: "o", to: "b@x.com", template: "invitation", idempotencyKey: "m2", nextAttemptAt: new Date(2), createdAt: new Date(2) });
    expect(a.sql).toBe(b.sql);
    expect(a.args).not.toEqual(b.args);
    expect(() => rowInsert(invitations, { ...invitation, expiresAt: drizzleSqlExpression() as unknown as Date })).toThrow(/SQL expression/);
  });
});

function drizzleSqlExpression() {
  return { queryChunks: [] };
}

describe("combineInserts", () => {
  const invite = (n: number): RawStatement[] => [
    rowInsert(notifications, { id: `ntf_${n}`, userId: `usr_${n}`, type: "t", createdAt: new Date(n) }),
    rawStatement("INSERT INTO x (a) SELECT ? FROM users WHERE email = ?", [n, `u${n}@x.com`]),
    rowInsert(notifications, { id: `ntf_b${n}`, userId: `usr_${n}`, type: "u", createdAt: new Date(n) }),
  ];

  it("inserts the rows of a run of like commands together, per statement, keeping each command's order", () => {
    const out = combineInserts([invite(1), invite(2), invite(3)]) as RawStatement[];
    expect(out.map((s) => s.sql)).toEqual([
      'insert into "notifications" ("id", "user_id", "type", "created_at") values (?, ?, ?, ?), (?, ?, ?, ?), (?, ?, ?, ?)',
      "INSERT INTO x (a) SELECT ? FROM users WHERE email = ?",
      "INSERT INTO x (a) SELECT ? FROM users WHERE email = ?",
      "INSERT INTO x (a) SELECT ? FROM users WHERE email = ?",
      'insert into "notifications" ("id", "user_id", "type", "created_at") values (?, ?, ?, ?), (?, ?, ?, ?), (?, ?, ?, ?)',
    ]);
    expect(out[0]!.args).toEqual(["ntf_1", "usr_1", "t", 1, "ntf_2", "usr_2", "t", 2, "ntf_3", "usr_3", "t", 3]);
    expect(out.slice(1, 4).map((s) => s.args)).toEqual([[1, "u1@x.com"], [2, "u2@x.com"], [3, "u3@x.com"]]);
  });

  it("passes anything else through in order: other shapes, updates, queries it cannot read, runs past maxRows", () => {
    const update = [rawStatement("UPDATE invitations SET status = 'expired' WHERE id = ?", ["inv_1"]), ...invite(9)];
    const opaque = [{ drizzle: "query" }];
    const out = combineInserts<RawStatement | { drizzle: string }>([invite(1), update, opaque, invite(2)]);
    expect(out).toEqual([...invite(1), ...update, ...opaque, ...invite(2)]);

    const long = combineInserts(Array.from({ length: 5 }, (_, n) => invite(n)), 2) as RawStatement[];
    expect(long.filter((s) => s.sql.startsWith("insert")).map((s) => s.args.length / 4)).toEqual([2, 2, 2, 2, 1, 1]);
  });
});
