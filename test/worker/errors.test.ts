import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

interface ErrorBody {
  error: { code: string; message: string; requestId?: string };
}

describe("the error model", () => {
  it("answers an unknown route with 404 not_found in the error shape", async () => {
    const response = await exports.default.fetch("http://roster.test/api/v1/nothing-here");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/application\/json/);
    const body = await response.json<ErrorBody>();
    expect(body.error.code).toBe("not_found");
    expect(body.error.message).toContain("/api/v1/nothing-here");
    expect(body.error.requestId).toBe(response.headers.get("x-request-id"));
  });

  it("answers malformed JSON with 400 invalid_json", async () => {
    const response = await exports.default.fetch("http://roster.test/api/v1/orgs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"name": "Acme",',
    });
    expect(response.status).toBe(400);
    expect((await response.json<ErrorBody>()).error.code).toBe("invalid_json");
  });

  it("answers a body over the limit with 413 payload_too_large", async () => {
    const response = await exports.default.fetch("http://roster.test/api/v1/orgs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ padding: "x".repeat(1024 * 1024 + 1) }),
    });
    expect(response.status).toBe(413);
    expect((await response.json<ErrorBody>()).error.code).toBe("payload_too_large");
  });

  it("serves the OpenAPI document", async () => {
    const response = await exports.default.fetch("http://roster.test/api/v1/openapi.json");
    expect(response.status).toBe(200);
    const doc = await response.json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toContain("/api/health");
  });
});
