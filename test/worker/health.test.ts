import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createApp } from "../../worker/app.ts";

describe("GET /api/health", () => {
  it("reports the database reachable", async () => {
    const response = await exports.default.fetch("http://roster.test/api/health");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBeTruthy();
    const body = await response.json<{ status: string; database: { reachable: boolean; latencyMs: number }; mail: string }>();
    expect(body.status).toBe("ok");
    expect(body.database.reachable).toBe(true);
    expect(body.mail).toBe("dev_mailbox");
  });

  it("reports the database's round trip as its latency", async () => {
    const databaseUrl = env.DATABASE_URL ?? "";
    const delayMs = 300;
    /** Asks for health, answering how long the database took by the report and by the caller's watch. */
    const latency = async () => {
      const started = performance.now();
      const response = await createApp().request("/api/health", {}, env);
      const elapsed = performance.now() - started;
      expect(response.status).toBe(200);
      return { reported: (await response.json<{ database: { latencyMs: number } }>()).database.latencyMs, elapsed };
    };
    const fast = await latency();
    // The database answers `delayMs` late: the database client fetches at call time.
    const realFetch = globalThis.fetch;
    const slowDatabase = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url.startsWith(databaseUrl)) await scheduler.wait(delayMs);
      return realFetch(input, init);
    });
    let slow: Awaited<ReturnType<typeof latency>>;
    let delayed: number;
    try {
      slow = await latency();
      delayed = slowDatabase.mock.calls.filter(([input]) => (input instanceof Request ? input.url : String(input)).startsWith(databaseUrl)).length;
    } finally {
      slowDatabase.mockRestore();
    }
    expect(delayed).toBeGreaterThan(0);
    // The report covers the database's delay, and never more than the whole request took
    // (give or take its rounding to 0.1 ms): no constant passes both the slow and the fast.
    expect(slow.reported).toBeGreaterThanOrEqual(delayMs);
    expect(slow.reported).toBeLessThanOrEqual(slow.elapsed + 0.1);
    expect(fast.reported).toBeGreaterThanOrEqual(0);
    expect(fast.reported).toBeLessThanOrEqual(fast.elapsed + 0.1);
  });

  it("answers 503 database_unavailable when the database is unreachable", async () => {
    // Port 9 (discard) on loopback: nothing listens, the connection is refused.
    const response = await createApp().request("/api/health", {}, { ...env, DATABASE_URL: "http://127.0.0.1:9" });
    expect(response.status).toBe(503);
    const body = await response.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toBe("database_unavailable");
    expect(body.error.message).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|fetch/i);
  });

  it("answers 503 database_unavailable when no database is configured", async () => {
    const { DATABASE_URL: _, ...unconfigured } = env;
    const response = await createApp().request("/api/health", {}, unconfigured);
    expect(response.status).toBe(503);
    expect((await response.json<{ error: { code: string } }>()).error.code).toBe("database_unavailable");
  });

  it("reports mail as not configured outside local development without a Resend key", async () => {
    const response = await createApp().request("/api/health", {}, { ...env, ROSTER_LOCAL_DEV: undefined });
    expect(response.status).toBe(200);
    expect((await response.json<{ mail: string; localDev: boolean }>())).toMatchObject({ mail: "not_configured", localDev: false });
  });
});
