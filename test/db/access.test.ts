import { request } from "node:http";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startTestServer, type TestServer } from "./helpers.ts";

// The server answers only Roster: a loopback Host (a DNS-rebinding page has a foreign one), a
// JSON content type (a cross-origin page can POST text/plain or a form without asking first),
// and the token.

const TOKEN = "access-test-token";
let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ authToken: TOKEN });
});
afterAll(() => srv.stop());

const BODY = JSON.stringify({ baton: null, requests: [{ type: "execute", stmt: { sql: "SELECT 1" } }, { type: "close" }] });

/** A raw request, so that any Host header can be sent (fetch sets its own). */
function raw(path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; type: string | undefined; json: any }> {
  const { port } = new URL(srv.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: body === undefined ? "GET" : "POST", headers, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], json });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

const auth = { authorization: `Bearer ${TOKEN}` };

test("a JSON POST with the token and a loopback Host is served, under every loopback name", async () => {
  const { port } = new URL(srv.url);
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, "localhost"]) {
    const ans = await raw("/v2/pipeline", { ...auth, host, "content-type": "application/json; charset=utf-8" }, BODY);
    expect([host, ans.status]).toEqual([host, 200]);
  }
});

test.each([
  ["text/plain", { "content-type": "text/plain" }],
  ["a form", { "content-type": "application/x-www-form-urlencoded" }],
  ["a multipart form", { "content-type": "multipart/form-data; boundary=x" }],
  ["no content type", {}],
])("a POST sent as %s is refused with 415 and a JSON error", async (_name, headers) => {
  for (const path of ["/v2/pipeline", "/v3/pipeline", "/v3/cursor"]) {
    const ans = await raw(path, { ...auth, ...headers }, BODY);
    expect([path, ans.status, ans.type, ans.json?.code]).toEqual([path, 415, "application/json", "CONTENT_TYPE_UNSUPPORTED"]);
  }
});

test.each(["evil.example", "evil.example:8080", "127.0.0.1.evil.example", "localhost.evil.example", "10.0.0.1"])(
  "a foreign Host (%j) is refused with 421 and a JSON error, even with the token, on every endpoint",
  async (host) => {
    for (const [path, body] of [["/v2/pipeline", BODY], ["/v3/cursor", BODY], ["/health", undefined], ["/", undefined]] as const) {
      const ans = await raw(path, { ...auth, host, "content-type": "application/json" }, body);
      expect([path, ans.status, ans.json?.code]).toEqual([path, 421, "HOST_NOT_ALLOWED"]);
    }
  },
);

test.each([
  ["no token", {}, "AUTH_HTTP_HEADER_MISSING"],
  ["a wrong token", { authorization: "Bearer not-the-token" }, "AUTH_JWT_INVALID"],
])("%s is refused with 401 before the body is looked at", async (_name, headers, code) => {
  for (const type of ["application/json", "text/plain"]) {
    const ans = await raw("/v2/pipeline", { ...headers, "content-type": type }, BODY);
    expect([ans.status, ans.json?.code]).toEqual([401, code]);
  }
});
