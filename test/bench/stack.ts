/**
 * The stack one Worker benchmark runs against, started and torn down by the bench itself:
 *
 *   - a supervised libSQL server (db/server) on a fresh temp file, migrated;
 *   - the BENCH build of the Worker (test/bench/wrangler.toml → test/bench/worker.ts, bundled
 *     and minified by `wrangler deploy --dry-run`), served by Miniflare directly (no
 *     `wrangler dev` proxy) on a free loopback port, with its Durable Objects (SQLite-backed).
 *
 * `stop()` disposes Miniflare (workerd), stops the database server and removes the temp
 * directory; it is safe to call more than once. A failure while starting undoes what was
 * started before rethrowing.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { migrateDatabase } from "../../db/migrate.ts";
import { superviseLibsqlServer } from "../../db/server/supervisor.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const benchConfig = join(root, "test", "bench", "wrangler.toml");

/** The origin the bench's "browser" comes from; every cookie request sends it as `Origin`. */
export const benchAppUrl = "http://roster.bench.test";

export interface BenchStack {
  /** The Worker's base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** The libSQL server's URL (for checks straight in the database). */
  databaseUrl: string;
  appUrl: string;
  /** How long bundling and starting took, for the report. */
  timings: { bundle_ms: number; database_ms: number; worker_ms: number };
  bundleBytes: number;
  /** The bundle served (and its `.map` beside it). */
  bundlePath: string;
  /** With `countDatabaseRequests`: the Worker's database requests so far, by kind (live). */
  databaseCounts: DatabaseCounts | undefined;
  /** The database server's current process (it may be restarted by its supervisor). */
  databasePid(): number | undefined;
  /**
   * A new workerd process with the same Worker, bindings and URLs: every isolate and every
   * Durable Object instance starts afresh, on its kept storage (Miniflare's, in its temp
   * directory until `stop`), as after an eviction. The database is not touched.
   */
  restartWorker(): Promise<{ ms: number }>;
  stop(): Promise<void>;
}

/** The compatibility date and flags of the deployed Worker (the root wrangler.toml). */
function compatibility(): { compatibilityDate: string; compatibilityFlags: string[] } {
  const toml = readFileSync(join(root, "wrangler.toml"), "utf8");
  const date = /^\s*compatibility_date\s*=\s*"([0-9-]+)"/m.exec(toml)?.[1];
  if (!date) throw new Error("no compatibility_date in wrangler.toml");
  const flags = /^\s*compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1] ?? "";
  return { compatibilityDate: date, compatibilityFlags: [...flags.matchAll(/"([^"]+)"/g)].map((m) => m[1]!) };
}

/** `wrangler deploy --dry-run` of the bench config into `outdir` (offline, ~5 s). */
async function bundle(outdir: string, minify: boolean): Promise<string> {
  const wrangler = join(dirname(createRequire(import.meta.url).resolve("wrangler/package.json")), "bin", "wrangler.js");
  const args = [wrangler, "deploy", "--dry-run", "--config", benchConfig, "--outdir", outdir, ...(minify ? ["--minify"] : [])];
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", NO_UPDATE_NOTIFIER: "1" },
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.stdout.on("data", (d: Buffer) => output.push(d.toString()));
    child.stderr.on("data", (d: Buffer) => output.push(d.toString()));
    child.on("error", reject);
    child.on("exit", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  if (code !== 0) throw new Error(`bundling the bench Worker failed (exit ${code}):\n${output.join("")}`);
  return join(outdir, "worker.js");
}

export interface StackOptions {
  log?: (line: string) => void;
  /** Bundle without `--minify` (readable CPU profiles). Default: minified, as deployed. */
  minify?: boolean;
  /** Opens workerd's DevTools inspector on this loopback port (profiling). */
  inspectorPort?: number;
  /**
   * Puts a counting proxy (in this process) between the Worker and the database, for
   * diagnosis only: it costs CPU of its own, so throughput runs leave it off.
   */
  countDatabaseRequests?: boolean;
}

/** Database requests seen by the counting proxy, by kind (`batch: INSERT invitations…`). */
export type DatabaseCounts = Record<string, number>;

function describeSql(sql: string): string {
  const s = sql.replace(/\s+/g, " ").trim();
  const m =
    /^(insert(?: or \w+)? into|update|delete from)\s+"?(\w+)"?/i.exec(s) ??
    /^(select)\b.*?\bfrom\s+"?(\w+)"?/i.exec(s) ??
    /^(\w+)/.exec(s);
  return m ? `${m[1]!.toUpperCase()}${m[2] ? ` ${m[2]}` : ""}` : "?";
}

/** One pipeline body → a label: what kind of call, and its first real statement. */
function classifyPipeline(body: string): string {
  try {
    const parsed = JSON.parse(body) as { requests?: Array<Record<string, any>> };
    const stored = new Map<number, string>();
    const labels: string[] = [];
    for (const r of parsed.requests ?? []) {
      if (r.type === "store_sql") stored.set(r.sql_id, r.sql);
      const sqlOf = (stmt: { sql?: string; sql_id?: number }): string => stmt.sql ?? stored.get(stmt.sql_id ?? -1) ?? "?";
      if (r.type === "execute") labels.push(`execute: ${describeSql(sqlOf(r.stmt))}`);
      if (r.type === "batch") {
        const real = (r.batch?.steps ?? []).map((st: { stmt: { sql?: string; sql_id?: number } }) => sqlOf(st.stmt)).filter((q: string) => !/^\s*(begin|commit|rollback)\b/i.test(q));
        labels.push(`batch(${real.length}): ${real.length ? describeSql(real[0]) : "-"}`);
      }
    }
    return labels.join(" + ") || "other";
  } catch {
    return "unparsed";
  }
}

/** A loopback HTTP proxy to `target` that counts pipeline requests by kind. */
async function countingProxy(target: string): Promise<{ url: string; counts: DatabaseCounts; stop(): Promise<void> }> {
  const { createServer, request } = await import("node:http");
  const counts: DatabaseCounts = {};
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const label = req.url?.includes("pipeline") ? classifyPipeline(body.toString("utf8")) : `${req.method} ${req.url}`;
      counts[label] = (counts[label] ?? 0) + 1;
      const out = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on("error", () => {
        res.writeHead(502, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: "proxy: upstream failed", code: "PROXY" }));
      });
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function startBenchStack(options: StackOptions = {}): Promise<BenchStack> {
  const log = options.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), "roster-bench-stack-"));
  const stops: Array<() => Promise<void> | void> = [() => rmSync(dir, { recursive: true, force: true })];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const s of stops.reverse()) {
      try {
        await s();
      } catch (error) {
        console.error("[bench] while stopping:", error);
      }
    }
  };
  try {
    let t0 = performance.now();
    const script = await bundle(join(dir, "bundle"), options.minify ?? true);
    const bundleMs = performance.now() - t0;
    const bundleBytes = readFileSync(script).byteLength;

    t0 = performance.now();
    const db = await superviseLibsqlServer({ file: join(dir, "roster.db"), port: 0, log });
    stops.push(() => db.stop());
    await migrateDatabase({ url: db.url });
    const databaseMs = performance.now() - t0;
    let workerDatabaseUrl = db.url;
    let counts: DatabaseCounts | undefined;
    if (options.countDatabaseRequests) {
      const proxy = await countingProxy(db.url);
      stops.push(() => proxy.stop());
      workerDatabaseUrl = proxy.url;
      counts = proxy.counts;
    }

    t0 = performance.now();
    // The familiar option shape (name, scriptPath, bindings, durableObjects), converted to
    // Miniflare 5's own (`workers: [{ config, dev }]`).
    const miniflareOptions = convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      // No per-request log line (the entry worker would build one for every request).
      logRequests: false,
      ...(options.inspectorPort ? { inspectorPort: options.inspectorPort } : {}),
      workers: [
        {
          name: "roster-bench",
          modules: true,
          // Module names are paths relative to this (the bundle lives in a temp dir).
          rootPath: dirname(script),
          modulesRoot: dirname(script),
          scriptPath: script,
          ...compatibility(),
          bindings: {
            DATABASE_URL: workerDatabaseUrl,
            SESSION_SECRET: randomBytes(32).toString("base64url"),
            ROSTER_LOCAL_DEV: "1",
            APP_URL: benchAppUrl,
            EMAIL_FROM: "Roster <no-reply@roster.invalid>",
            // The abuse limits stay on (their code paths are measured) but far above what one
            // bench owner does: many organizations, 100,000-seat rooms, a million invitations.
            ORGS_PER_USER_PER_DAY: "1000000",
            INVITE_MAIL_PER_USER_PER_HOUR: "100000000",
            SEAT_LIMIT_CAP: "10000000",
          },
          durableObjects: {
            ORG_ROOM: { className: "OrgRoom", useSQLite: true },
            RATE_LIMITER: { className: "RateLimiter", useSQLite: true },
          },
          // The Worker on a socket of its own, as it faces clients in production: without
          // Miniflare's entry worker, a local-only hop that every request and every socket
          // frame would cross a second time.
          unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
        },
      ],
    });
    const mf = new Miniflare(miniflareOptions);
    stops.push(() => mf.dispose());
    await mf.ready;
    const url = (await mf.unsafeGetDirectURL("roster-bench")).toString().replace(/\/$/, "");
    const workerMs = performance.now() - t0;
    return {
      url,
      databaseUrl: db.url,
      appUrl: benchAppUrl,
      timings: { bundle_ms: Math.round(bundleMs), database_ms: Math.round(databaseMs), worker_ms: Math.round(workerMs) },
      bundleBytes,
      databasePid: () => db.pid(),
      // setOptions respawns workerd; with the same options it keeps the ports it had.
      restartWorker: async () => {
        const started = performance.now();
        await mf.setOptions(miniflareOptions);
        await mf.ready;
        const now = (await mf.unsafeGetDirectURL("roster-bench")).toString().replace(/\/$/, "");
        if (now !== url) throw new Error(`the restarted Worker moved from ${url} to ${now}`);
        return { ms: Math.round(performance.now() - started) };
      },
      bundlePath: script,
      databaseCounts: counts,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
