import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../worker/app.ts";

describe("GET /api/health", () => {
  it("reports the database reachable", async () => {
    const response = await exports.default.fetch("http://roster.test/api/health");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBeTruthy();
    const body = await response.json<{ status: string; database: { reachable: boolean; latencyMs: number }; mail: string }>();
    expect(body.status).toBe("ok");
    expect(body.database.reachable).toBe(true);
    expect(body.database.latencyMs).toBeGreaterThanOrEqual(0);
    expect(body.mail).toBe("dev_mailbox");
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
