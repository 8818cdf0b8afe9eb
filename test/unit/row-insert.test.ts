import { drizzle } from "drizzle-orm/libsql";
import { describe, expect, it } from "vitest";
import { auditEvents, invitations, mailOutbox, notifications } from "../../db/schema/index.ts";
import { isRawStatement, rowInsert } from "../../worker/lib/row-insert.ts";

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
