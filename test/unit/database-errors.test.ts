import { createServer, type Server } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type Client } from "@libsql/client/web";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/libsql/web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLibsqlServer, type LibsqlServer } from "../../db/server/server.ts";
import { guard } from "../../worker/lib/sql/guard.ts";
import { isDatabaseUnavailable, isUniqueViolation } from "../../worker/lib/database-errors.ts";

/** The Worker's client (`@libsql/client/web`, as worker/lib/database.ts opens it) for `url`. */
function client(url: string): Client {
  return createClient({ url, concurrency: 0 });
}

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

/** What the Worker sees of an error thrown inside a Durable Object: its message, nothing else. */
function acrossRpc(error: unknown): Error {
  return new Error((error as Error).message);
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(`http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`);
    });
  });
}

/** A port nothing listens on: one a server just gave back. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  const url = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return url;
}

/** An HTTP server that answers every request with `status` (a proxy in front of a sick database). */
async function answering(status: number): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(status, { "content-type": "text/plain" });
    res.end(`status ${status}`);
  });
  const url = await listen(server);
  return { url, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("isDatabaseUnavailable over the errors @libsql/client really produces", () => {
  let dir: string;
  let server: LibsqlServer;

  let deadUrlValue: string;

  beforeAll(async () => {
    deadUrlValue = await deadUrl();
    dir = mkdtempSync(join(tmpdir(), "roster-db-errors-"));
    server = await startLibsqlServer({ file: join(dir, "db.sqlite"), busyTimeoutMs: 50, streamIdleMs: 200, statementTimeoutMs: 300 });
  });
  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("calls a refused connection unavailable, bare or wrapped by drizzle", async () => {
    const url = await deadUrl();
    const execute = await failure(() => client(url).execute("SELECT 1"));
    const batch = await failure(() => client(url).batch(["SELECT 1"], "write"));
    const wrapped = await failure(() => drizzle(client(url)).run(sql`SELECT 1`));
    expect(isDatabaseUnavailable(execute), String(execute)).toBe(true);
    expect(isDatabaseUnavailable(batch), String(batch)).toBe(true);
    expect(isDatabaseUnavailable(wrapped), String(wrapped)).toBe(true);
  });

  it("calls a connection cut mid-request unavailable", async () => {
    const cutting = createServer((req) => req.socket.destroy());
    const url = await listen(cutting);
    try {
      const error = await failure(() => client(url).execute("SELECT 1"));
      expect(isDatabaseUnavailable(error), String(error)).toBe(true);
    } finally {
      await new Promise((resolve) => cutting.close(resolve));
    }
  });

  it("calls a 5xx or 429 from the server unavailable, and a 401 or 404 not", async () => {
    for (const [status, unavailable] of [[502, true], [503, true], [500, true], [429, true], [401, false], [404, false]] as const) {
      const stub = await answering(status);
      try {
        const error = await failure(() => client(stub.url).execute("SELECT 1"));
        expect(isDatabaseUnavailable(error), `${status}: ${String(error)}`).toBe(unavailable);
      } finally {
        await stub.close();
      }
    }
  });

  it("calls a lock held past the busy timeout unavailable", async () => {
    const holder = client(server.url);
    await holder.execute("CREATE TABLE IF NOT EXISTS busy (x INTEGER)");
    const transaction = await holder.transaction("write");
    try {
      await transaction.execute("INSERT INTO busy VALUES (1)");
      const error = await failure(() => client(server.url).batch(["INSERT INTO busy VALUES (2)"], "write"));
      expect(isDatabaseUnavailable(error), String(error)).toBe(true);
    } finally {
      await transaction.rollback();
    }
  });

  it("calls a statement the server interrupted at its deadline unavailable, bare or across an RPC", async () => {
    const endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n";
    const error = await failure(() => client(server.url).execute(endless));
    expect(String(error)).toContain("SQLITE_INTERRUPT");
    expect(isDatabaseUnavailable(error), String(error)).toBe(true);
    expect(isDatabaseUnavailable(acrossRpc(error))).toBe(true);
  });

  it("calls a stream the server expired unavailable", async () => {
    const transaction = await client(server.url).transaction("write");
    await transaction.execute("SELECT 1");
    await new Promise((resolve) => setTimeout(resolve, 700));
    const error = await failure(() => transaction.execute("SELECT 2"));
    expect(isDatabaseUnavailable(error), String(error)).toBe(true);
  });

  it("keeps statements the database refuses — bugs — out of it, bare or wrapped", async () => {
    const db = client(server.url);
    await db.execute("CREATE TABLE IF NOT EXISTS once (x INTEGER UNIQUE)");
    await db.execute("INSERT OR IGNORE INTO once VALUES (1)");
    const constraint = await failure(() => db.batch(["INSERT INTO once VALUES (1)"], "write"));
    const syntax = await failure(() => db.execute("SELEC 1"));
    const missing = await failure(() => db.execute("SELECT * FROM no_such_table"));
    const guarded = await failure(() => drizzle(db).run(guard(sql`1 = 0`, "seats_exhausted")));
    // User text that reads like an outage, inside a wrapped query's message.
    const params = await failure(() => drizzle(db).run(sql`INSERT INTO once VALUES (${1}) -- ${"connection refused"}`));
    for (const error of [constraint, syntax, missing, guarded, params]) {
      expect(isDatabaseUnavailable(error), String(error)).toBe(false);
      expect(isDatabaseUnavailable(acrossRpc(error)), `across RPC: ${String(error)}`).toBe(false);
    }
  });

  it("tells a UNIQUE violation from the libSQL error itself, never from the parameters a wrapper quotes", async () => {
    const db = client(server.url);
    await db.execute("CREATE TABLE IF NOT EXISTS named (slug TEXT UNIQUE, note TEXT)");
    await db.execute("INSERT OR IGNORE INTO named VALUES ('acme', '')");
    const taken = await failure(() => drizzle(db).run(sql`INSERT INTO named VALUES (${"acme"}, ${""})`));
    expect(isUniqueViolation(taken)).toBe(true);
    const unavailable = await failure(() => drizzle(client(deadUrlValue)).run(sql`INSERT INTO named VALUES (${"UNIQUE constraint failed"}, ${"Unique Co"})`));
    expect(isUniqueViolation(unavailable)).toBe(false);
    await db.execute("CREATE TABLE IF NOT EXISTS checked (n INTEGER CHECK (n > 0), note TEXT)");
    const otherConstraint = await failure(() => drizzle(db).run(sql`INSERT INTO checked VALUES (${-1}, ${"UNIQUE constraint failed"})`));
    expect(isUniqueViolation(otherConstraint)).toBe(false);
  });

  it("reads an outage from the message alone, as it arrives from a Durable Object", async () => {
    const stub = await answering(503);
    try {
      const serverError = await failure(() => client(stub.url).execute("SELECT 1"));
      expect(isDatabaseUnavailable(acrossRpc(serverError)), String(serverError)).toBe(true);
    } finally {
      await stub.close();
    }
    const dead = await deadUrl();
    const refused = await failure(() => client(dead).execute("SELECT 1"));
    expect(isDatabaseUnavailable(acrossRpc(refused)), String(refused)).toBe(true);
    // workerd's fetch failure, as the Worker receives it from the room.
    expect(isDatabaseUnavailable(Object.assign(new Error("Network connection lost."), { remote: true, retryable: true }))).toBe(true);
  });

  it("keeps errors that are not the database's out of it", () => {
    expect(isDatabaseUnavailable(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
    expect(isDatabaseUnavailable(new Error("This room belongs to another organization."))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
    expect(isDatabaseUnavailable("fetch failed")).toBe(false);
  });
});
