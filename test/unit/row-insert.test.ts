import { getTableColumns, getTableName } from "drizzle-orm";
import { drizzle } from "drizzle-orm/libsql";
import { blob, sqliteTable, text, type SQLiteTable } from "drizzle-orm/sqlite-core";
import { beforeAll, describe, expect, it } from "vitest";
import { auditEvents, invitations, mailOutbox, notifications, organizations, users } from "../../db/schema/index.ts";
import { migratedDatabase } from "./support/migrated-database.ts";
import { combineInserts, isRawStatement, rawStatement, rowInsert, RowsStatement, rowsInsert, type RawStatement } from "../../worker/lib/sql/row-insert.ts";

// A real database with Roster's schema: what matters is what ends up stored.
const database = migratedDatabase("row-insert");
beforeAll(async () => {
  await db().insert(users).values({ id: "usr_1", email: "ada@example.com", username: "ada", name: "Ada", createdAt: new Date(0) });
  await db().insert(organizations).values({ id: "org_1", slug: "acme", name: "Acme", seatLimit: 10, createdAt: new Date(0), updatedAt: new Date(0) });
});

const db = () => drizzle(database.client);

/** Every column of the rows of `table` where `where` holds, as SQLite quotes them (value and type). */
async function stored(table: SQLiteTable, where: string, skip: string[] = []): Promise<string[][]> {
  const names = Object.values(getTableColumns(table))
    .map((column) => column.name)
    .filter((name) => !skip.includes(name));
  const result = await database.client.execute(`SELECT ${names.map((n) => `quote("${n}")`).join(", ")} FROM "${getTableName(table)}" WHERE ${where} ORDER BY rowid`);
  return result.rows.map((row) => names.map((_, i) => String(row[i])));
}

const run = (statement: RawStatement) => database.client.execute({ sql: statement.sql, args: statement.args });

const invitation = (id: string, tokenHash: string) => ({
  id,
  orgId: "org_1",
  email: `${id}@example.com`,
  username: null,
  inviteeUserId: null,
  role: "member" as const,
  projectAssignments: [{ projectId: "prj_1", role: "viewer" as const }],
  message: 'Welcome "aboard" \\ ✓',
  status: "pending" as const,
  delivery: "queued" as const,
  tokenHash,
  expiresAt: new Date(1_800_000_000_123),
  sendCount: 1,
  lastSentAt: new Date(1_700_000_000_000),
  createdBy: "usr_1",
  createdAt: new Date(1_700_000_000_000),
  respondedAt: null,
});

describe("rowInsert", () => {
  it("stores exactly what drizzle stores for a row that sets every column (JSON, dates, nulls, quotes)", async () => {
    await db().insert(invitations).values(invitation("inv_d", "a".repeat(64)));
    const raw = rowInsert(invitations, invitation("inv_r", "b".repeat(64)));
    expect(isRawStatement(raw)).toBe(true);
    await run(raw);
    const [viaDrizzle] = await stored(invitations, "id = 'inv_d'", ["id", "email", "token_hash"]);
    const [viaRaw] = await stored(invitations, "id = 'inv_r'", ["id", "email", "token_hash"]);
    expect(viaRaw).toEqual(viaDrizzle);
    expect(viaRaw).toContain("1800000000123");
    expect(viaRaw).toContain("NULL");
    expect(viaRaw).toContain(`'${JSON.stringify([{ projectId: "prj_1", role: "viewer" }])}'`);
  });

  it("stores text with a lone surrogate as drizzle does (U+FFFD), never as ill-formed UTF-8", async () => {
    const message = "a\ud800b";
    await db().insert(invitations).values({ ...invitation("inv_sd", "d".repeat(64)), message });
    await run(rowInsert(invitations, { ...invitation("inv_sr", "e".repeat(64)), message }));
    const hex = await database.client.execute("SELECT id, hex(message) FROM invitations WHERE id IN ('inv_sd', 'inv_sr') ORDER BY id");
    expect(hex.rows.map((row) => [row[0], row[1]])).toEqual([
      ["inv_sd", "61EFBFBD62"],
      ["inv_sr", "61EFBFBD62"],
    ]);
  });

  it("leaves a column the row does not set to its default, as drizzle does (autoincrement, SQL defaults)", async () => {
    const row = { orgId: "org_1", actorType: "user" as const, actorId: "usr_1", action: "x.y", targetType: "org", targetId: null, data: { a: [1, "two"] }, at: new Date(5) };
    await db().insert(auditEvents).values({ ...row, action: "x.drizzle" });
    await run(rowInsert(auditEvents, { ...row, action: "x.raw" }));
    const [viaDrizzle] = await stored(auditEvents, "action = 'x.drizzle'", ["id", "action"]);
    const [viaRaw] = await stored(auditEvents, "action = 'x.raw'", ["id", "action"]);
    expect(viaRaw).toEqual(viaDrizzle);
    const ids = await database.client.execute("SELECT id FROM audit_events WHERE action LIKE 'x.%' ORDER BY id");
    expect(ids.rows.map((r) => Number(r[0]))).toEqual([Number(ids.rows[0]![0]), Number(ids.rows[0]![0]) + 1]);

    // A column with an SQL default that the row leaves out is left out of the SQL.
    const note = rowInsert(notifications, { id: "ntf_1", userId: "usr_1", type: "t", createdAt: new Date(7) });
    expect(note.sql).toBe('insert into "notifications" ("id", "user_id", "type", "created_at") select value ->> 0, value ->> 1, value ->> 2, value ->> 3 from json_each(?)');
    expect(note.args).toEqual([JSON.stringify([["ntf_1", "usr_1", "t", 7]])]);
    await db().insert(notifications).values({ id: "ntf_2", userId: "usr_1", type: "t", createdAt: new Date(7) });
    await run(note);
    const [a, b] = await stored(notifications, "id IN ('ntf_1', 'ntf_2')", ["id"]);
    expect(a).toEqual(b);
  });

  it("has one SQL text per table and set of columns, whatever the rows", () => {
    const mail = (id: string, at: number) => ({ id, orgId: "o", to: `${id}@x.com`, template: "invitation", idempotencyKey: id, nextAttemptAt: new Date(at), createdAt: new Date(at) });
    const a = rowInsert(mailOutbox, mail("m1", 1));
    const b = rowInsert(mailOutbox, mail("m2", 2));
    expect(a.sql).toBe(b.sql);
    expect(a.args).toHaveLength(1);
    expect(a.args).not.toEqual(b.args);
    const both = rowsInsert(mailOutbox, [mail("m1", 1), mail("m2", 2)]);
    expect(both).toHaveLength(1);
    expect(both[0]!.sql).toBe(a.sql);
    expect(both[0]!.rows).toEqual([...a.rows, ...b.rows]);
  });

  it("refuses what it cannot send as JSON: SQL expressions, binary values, numbers that are not finite", () => {
    expect(() => rowInsert(invitations, { ...invitation("inv_x", "c".repeat(64)), expiresAt: { queryChunks: [] } as unknown as Date })).toThrow(/SQL expression/);
    expect(() => rowInsert(invitations, { ...invitation("inv_x", "c".repeat(64)), expiresAt: new Date(Number.NaN) })).toThrow(/JSON cannot carry/);
    const files = sqliteTable("files", { id: text("id").primaryKey(), body: blob("body", { mode: "buffer" }) });
    expect(() => rowInsert(files, { id: "f", body: Buffer.from("x") })).toThrow(/JSON cannot carry/);
    expect(rowInsert(files, { id: "f", body: null }).rows).toEqual([["f", null]]);
  });
});

describe("combineInserts", () => {
  const note = (id: string, type: string) => rowInsert(notifications, { id, userId: "usr_1", type, createdAt: new Date(1) });
  const invite = (n: number): RawStatement[] => [
    note(`c_${n}`, "t"),
    rawStatement("INSERT INTO notifications (id, user_id, type, created_at) SELECT ?, id, 'x', 1 FROM users WHERE email = ?", [`cx_${n}`, "ada@example.com"]),
    note(`cb_${n}`, "u"),
  ];

  it("puts the rows of a run of like commands in one statement each, keeping each command's order, and stores them all", async () => {
    const out = combineInserts([invite(1), invite(2), invite(3)]) as RawStatement[];
    expect(out.map((s) => s.sql)).toEqual([invite(0)[0]!.sql, invite(0)[1]!.sql, invite(0)[1]!.sql, invite(0)[1]!.sql, invite(0)[2]!.sql]);
    expect((out[0] as RowsStatement).rows.map((row) => row[0])).toEqual(["c_1", "c_2", "c_3"]);
    expect(out.slice(1, 4).map((s) => s.args[0])).toEqual(["cx_1", "cx_2", "cx_3"]);
    expect((out[4] as RowsStatement).rows.map((row) => row[0])).toEqual(["cb_1", "cb_2", "cb_3"]);
    for (const statement of out) await run(statement);
    const ids = await database.client.execute("SELECT id FROM notifications WHERE id LIKE 'c%' ORDER BY id");
    expect(ids.rows.map((r) => r[0])).toEqual(["c_1", "c_2", "c_3", "cb_1", "cb_2", "cb_3", "cx_1", "cx_2", "cx_3"]);
  });

  it("passes anything else through in order: other shapes, updates, queries it cannot read, runs past maxRows", () => {
    const update = [rawStatement("UPDATE invitations SET status = 'expired' WHERE id = ?", ["inv_1"]), ...invite(9)];
    const opaque = [{ drizzle: "query" }];
    const out = combineInserts<RawStatement | { drizzle: string }>([invite(1), update, opaque, invite(2)]);
    expect(out).toEqual([...invite(1), ...update, ...opaque, ...invite(2)]);

    const long = combineInserts(Array.from({ length: 5 }, (_, n) => invite(n)), 2);
    expect(long.filter((s): s is RowsStatement => s instanceof RowsStatement).map((s) => s.rows.length)).toEqual([2, 2, 2, 2, 1, 1]);
  });
});
