import { createClient } from "@libsql/client/web";
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createApp } from "../../worker/app.ts";
import { userDatabase } from "../../worker/lib/database.ts";
import { isDatabaseUnavailable } from "../../worker/lib/database-errors.ts";

/** Port 9 (discard) on loopback: nothing listens, the connection is refused. */
const deadUrl = "http://127.0.0.1:9";

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

describe("database failures inside workerd", () => {
  it("classifies the client's error for a database nobody answers at as unavailable", async () => {
    const client = createClient({ url: deadUrl, concurrency: 0 });
    const execute = await failure(() => client.execute("SELECT 1"));
    const batch = await failure(() => client.batch(["SELECT 1", "SELECT 2"], "write"));
    expect(isDatabaseUnavailable(execute), String(execute)).toBe(true);
    expect(isDatabaseUnavailable(batch), String(batch)).toBe(true);
  });

  it("classifies drizzle's wrapped error for a database nobody answers at as unavailable", async () => {
    const error = await failure(() => userDatabase({ ...env, DATABASE_URL: deadUrl }).run(sql`SELECT 1`));
    expect(isDatabaseUnavailable(error), String(error)).toBe(true);
  });

  it("keeps a statement the database refuses a failure of its own, not an outage", async () => {
    const client = createClient({ url: env.DATABASE_URL!, concurrency: 0 });
    const syntax = await failure(() => client.execute("SELEC 1"));
    const constraint = await failure(() =>
      client.batch(["CREATE TEMP TABLE once (x INTEGER UNIQUE)", "INSERT INTO once VALUES (1)", "INSERT INTO once VALUES (1)"], "write"),
    );
    expect(isDatabaseUnavailable(syntax), String(syntax)).toBe(false);
    expect(isDatabaseUnavailable(constraint), String(constraint)).toBe(false);
  });

  it("answers a route's failed read 503 database_unavailable with Retry-After", async () => {
    const response = await createApp().request("/api/v1/dev/mailbox", {}, { ...env, DATABASE_URL: deadUrl });
    expect(response.status).toBe(503);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    const body = await response.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toBe("database_unavailable");
    expect(body.error.message).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|fetch|network/i);
  });

  it("answers the health check's 503 with Retry-After", async () => {
    const response = await createApp().request("/api/health", {}, { ...env, DATABASE_URL: deadUrl });
    expect(response.status).toBe(503);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});
