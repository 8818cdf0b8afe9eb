import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../worker/app.ts";
import { call, freshAddress, signIn, uniqueEmail } from "./support/client.ts";

interface Operation {
  operationId?: string;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  security?: unknown[];
  requestBody?: unknown;
  parameters?: Array<{ in: string; name: string }>;
}

interface OpenApiDoc {
  openapi: string;
  servers?: Array<{ url: string }>;
  paths: Record<string, Record<string, Operation>>;
}

async function document(): Promise<OpenApiDoc> {
  const response = await exports.default.fetch("http://roster.test/api/v1/openapi.json");
  expect(response.status).toBe(200);
  return response.json<OpenApiDoc>();
}

describe("the API documentation", () => {
  it("describes every API route in the OpenAPI document, generated from the same schemas", async () => {
    const doc = await document();
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`)),
    );
    const served = createApp()
      .routes.filter((r) => r.path.startsWith("/api/") && r.method !== "ALL")
      .map((r) => `${r.method} ${r.path}`)
      .filter((r) => !r.endsWith("/api/v1/openapi.json") && !r.endsWith("/api/docs"));
    expect(served.length).toBeGreaterThan(15);
    for (const route of served) expect(documented, route).toContain(route);
  });

  it("names every operation with a unique camelCase operationId and declares its servers, as client generators expect", async () => {
    const doc = await document();
    expect(doc.servers?.length).toBeGreaterThan(0);
    const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ where: `${method.toUpperCase()} ${path}`, op })));
    expect(operations.length).toBeGreaterThan(15);
    const seen = new Map<string, string>();
    for (const { where, op } of operations) {
      expect(op.operationId, `${where} has no operationId`).toMatch(/^[a-z][A-Za-z0-9]*$/);
      expect(seen.get(op.operationId!), `${where} reuses ${op.operationId}`).toBeUndefined();
      seen.set(op.operationId!, where);
      // Public operations say so with an empty list; the others name a defined scheme.
      expect(Array.isArray(op.security), `${where} declares no security`).toBe(true);
    }
    expect(seen.get("listMembers")).toBe("GET /api/v1/orgs/{org}/members");
    expect(seen.get("getHealth")).toBe("GET /api/health");
  });

  it("documents the error answers of every operation", async () => {
    const doc = await document();
    const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })));
    expect(operations.length).toBeGreaterThan(15);
    for (const { path, method, op } of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      const statuses = Object.keys(op.responses);
      // A success answer: 2xx, or 101 for the live channel's WebSocket upgrade.
      expect(statuses.some((s) => s.startsWith("2") || s === "101"), where).toBe(true);
      // Error answers, each in the one error shape.
      const failures = statuses.filter((s) => Number(s) >= 400);
      expect(failures.length, `${where} documents no error answer`).toBeGreaterThan(0);
      for (const status of failures) {
        expect(op.responses[status]?.content?.["application/json"]?.schema, `${where} ${status}`).toEqual({ $ref: "#/components/schemas/Error" });
      }
      // What anyone can provoke is among them: no credentials (401), a bad body (400), an unknown id (404).
      if (op.security?.length) expect(statuses, `${where} needs credentials`).toContain("401");
      if (op.requestBody) expect(statuses, `${where} takes a body`).toContain("400");
      if (op.parameters?.some((p) => p.in === "path")) expect(statuses, `${where} names a resource`).toContain("404");
    }
  });

  it("documents what every operation answers a caller without credentials and a signed-in stranger", async () => {
    const doc = await document();
    const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })));
    // Signing out ends the stranger's session: it goes last.
    operations.sort((a, b) => Number(a.path.endsWith("/logout")) - Number(b.path.endsWith("/logout")));
    const stranger = await signIn(uniqueEmail("docs-stranger"));
    const address = freshAddress();
    for (const caller of [{}, { cookie: stranger.cookie }]) {
      for (const { path, method, op } of operations) {
        // Unknown resources, an empty body where one is taken.
        const url = path.replace(/\{(\w+)\}/g, "no-such-$1");
        const answer = await call(method.toUpperCase(), url, { ...caller, address, ...(op.requestBody ? { body: {} } : {}) });
        const who = caller.cookie ? "a signed-in stranger" : "no credentials";
        expect(Object.keys(op.responses), `${method.toUpperCase()} ${path} answered ${answer.status} to ${who}`).toContain(String(answer.status));
      }
    }
  });

  it("serves a reference page that works offline: every operation, no external script or style", async () => {
    const doc = await document();
    const response = await exports.default.fetch("http://roster.test/api/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/html/);
    const html = await response.text();
    for (const path of Object.keys(doc.paths)) expect(html).toContain(path.replaceAll("&", "&amp;"));
    expect(html).toContain("last_owner");
    expect(html).not.toMatch(/<script|<link[^>]+stylesheet|https?:\/\/(?!roster)[^"'<\s]*\.(js|css)/i);
  });
});
