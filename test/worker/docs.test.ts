import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../worker/app.ts";

interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
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

  it("documents the error answers of every operation", async () => {
    const doc = await document();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const statuses = Object.keys(op.responses);
        // A success answer: 2xx, or 101 for the live channel's WebSocket upgrade.
        expect(statuses.some((s) => s.startsWith("2") || s === "101"), `${method} ${path}`).toBe(true);
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
