import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { superviseLibsqlServer, type SuperviseOptions, type SupervisedServer } from "../../db/server/supervisor.ts";

/** A supervised server (the way `npm run dev` starts it) on a fresh temp database file. */
export interface TestServer {
  url: string;
  file: string;
  server: SupervisedServer;
  stop(): Promise<void>;
}

export async function startTestServer(opts: Partial<SuperviseOptions> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), "roster-db-test-"));
  const file = join(dir, "test.db");
  const server = await superviseLibsqlServer({ file, port: 0, ...opts });
  return {
    url: server.url,
    file,
    server,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A raw HTTP answer: status, exact content type and the parsed JSON body (undefined if not JSON). */
export interface RawAnswer {
  status: number;
  contentType: string | null;
  body: any;
}

/** POSTs a raw JSON (or any string) body to `path`. */
export async function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const res = await fetch(url + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, contentType: res.headers.get("content-type"), body: parsed };
}

/** POST /v{version}/pipeline with `requests` on `baton`. */
export function pipeline(url: string, requests: unknown[], baton: string | null = null, version: 2 | 3 = 2): Promise<RawAnswer> {
  return post(url, `/v${version}/pipeline`, { baton, requests });
}

/** A statement with positional args. */
export function stmt(sql: string, args: unknown[] = [], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { sql, args, ...extra };
}

export const v = {
  null: () => ({ type: "null" }),
  int: (x: bigint | number | string) => ({ type: "integer", value: String(x) }),
  float: (x: number) => ({ type: "float", value: x }),
  text: (x: string) => ({ type: "text", value: x }),
  blob: (b: Uint8Array) => ({ type: "blob", base64: Buffer.from(b).toString("base64") }),
};

/** The single execute result of `[execute]` pipelines, asserting it succeeded. */
export function okResult(answer: RawAnswer, i = 0): any {
  const r = answer.body?.results?.[i];
  if (answer.status !== 200 || r?.type !== "ok") {
    throw new Error(`expected ok result #${i}, got HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  return r.response;
}
