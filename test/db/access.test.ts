import { request } from "node:http";
import { connect } from "node:net";
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

test("a Host that only starts like a loopback one, or names another port, is refused with 421", async () => {
  const port = Number(new URL(srv.url).port);
  const other = port === 65535 ? port - 1 : port + 1;
  for (const host of [
    `127.0.0.1:${port}@evil.example`,
    `localhost:${port}@evil.example`,
    `127.0.0.1:${port}/evil.example`,
    "127.0.0.1:99999",
    `127.0.0.1:${other}`,
    `localhost:${other}`,
    `[::1]:${other}`,
    `127.0.0.1:0${port}`,
    "127.0.0.1:",
    `[::1]:${port}:${port}`,
    `127.0.0.1:${port}:${port}`,
    "localhost.",
    "127.0.0.1 evil.example",
  ]) {
    for (const [path, body] of [["/v2/pipeline", BODY], ["/health", undefined]] as const) {
      const ans = await raw(path, { ...auth, host, "content-type": "application/json" }, body);
      expect([host, path, ans.status, ans.json?.code]).toEqual([host, path, 421, "HOST_NOT_ALLOWED"]);
    }
  }
});

/** Sends a request with exactly these header lines on a fresh socket and answers the status. */
function rawLines(lines: string[], body = ""): Promise<{ status: number; text: string }> {
  const { port } = new URL(srv.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1", () => {
      socket.write([...lines, `content-length: ${Buffer.byteLength(body)}`, "connection: close", "", body].join("\r\n"));
    });
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (c: string) => (text += c));
    socket.on("end", () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text }));
    socket.on("error", reject);
  });
}

test("a request with two Host headers is refused with 421, whichever comes first", async () => {
  const { port } = new URL(srv.url);
  const head = (hosts: string[]): string[] => ["POST /v2/pipeline HTTP/1.1", ...hosts.map((h) => `Host: ${h}`), `Authorization: Bearer ${TOKEN}`, "Content-Type: application/json"];
  // The same request with one Host is served: only the duplicate makes the difference.
  expect((await rawLines(head([`127.0.0.1:${port}`]), BODY)).status).toBe(200);
  for (const hosts of [
    [`127.0.0.1:${port}`, "evil.example"],
    ["evil.example", `127.0.0.1:${port}`],
    [`127.0.0.1:${port}`, `localhost:${port}`],
  ]) {
    const ans = await rawLines(head(hosts), BODY);
    expect([hosts, ans.status, ans.text.includes("HOST_NOT_ALLOWED")]).toEqual([hosts, 421, true]);
  }
});

test.each([
  ["no token", {}, "AUTH_HTTP_HEADER_MISSING"],
  ["a wrong token", { authorization: "Bearer not-the-token" }, "AUTH_JWT_INVALID"],
])("%s is refused with 401 before the body is looked at", async (_name, headers, code) => {
  for (const type of ["application/json", "text/plain"]) {
    const ans = await raw("/v2/pipeline", { ...headers, "content-type": type }, BODY);
    expect([ans.status, ans.json?.code]).toEqual([401, code]);
  }
});
