import { createClient, type Client } from "@libsql/client";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateDatabase, migrationsFolder } from "../../db/migrate.ts";
import { superviseLibsqlServer } from "../../db/server/supervisor.ts";

interface Journal {
  entries: Array<{ idx: number; tag: string }>;
}

const journal = JSON.parse(readFileSync(join(migrationsFolder, "meta", "_journal.json"), "utf8")) as Journal;
const dir = mkdtempSync(join(tmpdir(), "roster-migrations-"));
let server: Awaited<ReturnType<typeof superviseLibsqlServer>>;
let client: Client;

/** A copy of db/migrations holding only the first `count` migrations. */
function partialFolder(count: number): string {
  const folder = join(dir, `first-${count}`);
  mkdirSync(join(folder, "meta"), { recursive: true });
  const entries = journal.entries.slice(0, count);
  for (const entry of entries) cpSync(join(migrationsFolder, `${entry.tag}.sql`), join(folder, `${entry.tag}.sql`));
  writeFileSync(join(folder, "meta", "_journal.json"), JSON.stringify({ ...journal, entries }));
  return folder;
}

/** Rows every migration must carry forward untouched. */
async function seed(db: Client, round: number): Promise<void> {
  const now = Date.now();
  await db.batch(
    [
      {
        sql: "INSERT INTO organizations (id, slug, name, seat_limit, created_at, updated_at) VALUES (?, ?, 'Acme', 5, ?, ?)",
        args: [`org_${round}`, `acme-${round}`, now, now],
      },
      {
        sql: "INSERT INTO users (id, email, name, created_at) VALUES (?, ?, 'Ada', ?)",
        args: [`usr_${round}`, `ada${round}@example.com`, now],
      },
      {
        sql: "INSERT INTO memberships (org_id, user_id, role, user_email, joined_via, joined_at) VALUES (?, ?, 'owner', ?, 'created', ?)",
        args: [`org_${round}`, `usr_${round}`, `ada${round}@example.com`, now],
      },
    ],
    "write",
  );
}

const insertMembership = (orgId: string, userId: string, role: string) =>
  client.execute({
    sql: "INSERT INTO memberships (org_id, user_id, role, user_email, joined_via, joined_at) VALUES (?, ?, ?, 'x@example.com', 'api', 0)",
    args: [orgId, userId, role],
  });

beforeAll(async () => {
  server = await superviseLibsqlServer({ file: join(dir, "roster.db"), port: 0 });
  client = createClient({ url: server.url });
});

afterAll(async () => {
  client.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("migrations", () => {
  it("apply one by one to a database that already holds data, then again as a no-op", async () => {
    for (let count = 1; count <= journal.entries.length; count++) {
      await migrateDatabase({ url: server.url, folder: partialFolder(count) });
      await seed(client, count);
    }
    await migrateDatabase({ url: server.url });
    const applied = await client.execute("SELECT count(*) AS n FROM __drizzle_migrations");
    expect(Number(applied.rows[0]?.n)).toBe(journal.entries.length);
    const orgs = await client.execute("SELECT count(*) AS n FROM organizations");
    expect(Number(orgs.rows[0]?.n)).toBe(journal.entries.length);
  });

  it("make a second membership of one user in one organization impossible", async () => {
    await expect(insertMembership("org_1", "usr_1", "member")).rejects.toThrow(/UNIQUE|PRIMARY KEY/i);
  });

  it("make two users with one email impossible, and refuse an email that is not lower-cased", async () => {
    await expect(
      client.execute("INSERT INTO users (id, email, created_at) VALUES ('usr_dup', 'ada1@example.com', 0)"),
    ).rejects.toThrow(/UNIQUE/i);
    await expect(
      client.execute("INSERT INTO users (id, email, created_at) VALUES ('usr_upper', 'Ada1@Example.com', 0)"),
    ).rejects.toThrow(/CHECK/i);
  });

  it("make two users with one username impossible, compared case-insensitively", async () => {
    await client.execute("INSERT INTO users (id, email, username, created_at) VALUES ('usr_u1', 'u1@example.com', 'Grace', 0)");
    await expect(
      client.execute("INSERT INTO users (id, email, username, created_at) VALUES ('usr_u2', 'u2@example.com', 'grace', 0)"),
    ).rejects.toThrow(/UNIQUE/i);
  });

  it("refuse an unknown role, a malformed slug and a negative seat limit", async () => {
    await expect(insertMembership("org_1", "usr_x", "emperor")).rejects.toThrow(/CHECK/i);
    await expect(
      client.execute("INSERT INTO organizations (id, slug, name, seat_limit, created_at, updated_at) VALUES ('org_bad', 'Bad Slug', 'x', 5, 0, 0)"),
    ).rejects.toThrow(/CHECK/i);
    await expect(
      client.execute("INSERT INTO organizations (id, slug, name, seat_limit, created_at, updated_at) VALUES ('org_neg', 'neg', 'x', -1, 0, 0)"),
    ).rejects.toThrow(/CHECK/i);
  });
});
