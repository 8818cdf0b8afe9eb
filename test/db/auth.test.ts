import { createClient, LibsqlError } from "@libsql/client";
import { connect } from "@tursodatabase/serverless";
import { afterAll, beforeAll, expect, test } from "vitest";
import { post, startTestServer, type TestServer } from "./helpers.ts";

const TOKEN = "s3cret-token";
let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ authToken: TOKEN });
});
afterAll(() => srv.stop());

const body = { baton: null, requests: [{ type: "execute", stmt: { sql: "SELECT 1" } }, { type: "close" }] };

test("with an auth token set, the right bearer token is accepted by both clients", async () => {
  expect((await post(srv.url, "/v2/pipeline", body, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  const c = createClient({ url: srv.url, authToken: TOKEN });
  expect((await c.execute("SELECT 2 AS n")).rows[0]!.n).toBe(2);
  c.close();
  const s = connect({ url: srv.url, authToken: TOKEN });
  expect(await s.get("SELECT 3 AS n")).toEqual({ n: 3 });
  await s.close();
});

test.each([
  ["no Authorization header", {}, "AUTH_HTTP_HEADER_MISSING"],
  ["a wrong token", { authorization: "Bearer nope" }, "AUTH_JWT_INVALID"],
  ["another scheme", { authorization: `Basic ${TOKEN}` }, "AUTH_HTTP_HEADER_UNSUPPORTED_SCHEME"],
])("%s is a 401 with a JSON error on every endpoint", async (_name, headers, code) => {
  for (const path of ["/v2/pipeline", "/v3/pipeline", "/v3/cursor"]) {
    const ans = await post(srv.url, path, body, headers);
    expect([ans.status, ans.contentType, ans.body.code]).toEqual([401, "application/json", code]);
  }
});

test("@libsql/client shows the server's message for a wrong token", async () => {
  const c = createClient({ url: srv.url, authToken: "wrong" });
  const err = await c.execute("SELECT 1").catch((e: unknown) => e);
  expect(err).toBeInstanceOf(LibsqlError);
  expect(String((err as Error).message)).toContain("auth token is invalid");
  c.close();
});

test("version probes and health stay open without a token", async () => {
  for (const path of ["/v2", "/v3", "/health"]) expect((await fetch(srv.url + path)).status).toBe(200);
});
