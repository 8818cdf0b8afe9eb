/**
 * Benchmark of the local libSQL server as the app uses it: a supervised server on a temp file and
 * `@libsql/client` in HTTP mode. Each measure runs for a fixed time with a few requests in flight
 * and reports ops/s and p50/p99 latency; the bare HTTP round trip (`GET /v2`) of the same run is
 * the ceiling. Run alone with `node test/bench/db.ts`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type Client } from "@libsql/client";
import { superviseLibsqlServer } from "../../db/server/supervisor.ts";

const DURATION_MS = Number(process.env.BENCH_DB_MS ?? 2_000);
const CONCURRENCY = 4;

interface Measure {
  ops_per_s: number;
  p50_ms: number;
  p99_ms: number;
  count: number;
}

async function measure(op: (i: number) => Promise<unknown>): Promise<Measure> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (performance.now() - started < DURATION_MS) {
      const t0 = performance.now();
      await op(next++);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0) * 100) / 100;
  return { ops_per_s: Math.round(latencies.length / elapsed), p50_ms: pct(0.5), p99_ms: pct(0.99), count: latencies.length };
}

/** Runs every measure against a fresh supervised server and returns the results as JSON. */
export async function benchDatabase(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), "roster-bench-db-"));
  const server = await superviseLibsqlServer({ file: join(dir, "bench.db"), port: 0 });
  const db: Client = createClient({ url: server.url });
  try {
    await db.execute("CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    await db.batch(Array.from({ length: 1000 }, (_, i) => ({ sql: "INSERT INTO kv VALUES (?, ?)", args: [i, `value-${i}`] })), "write");
    const http = await measure(async () => {
      const res = await fetch(`${server.url}/v2`);
      await res.arrayBuffer();
    });
    const select = await measure((i) => db.execute({ sql: "SELECT v FROM kv WHERE k = ?", args: [i % 1000] }));
    let key = 1_000_000;
    const insert = await measure(() => db.execute({ sql: "INSERT INTO kv VALUES (?, ?)", args: [key++, "x"] }));
    const batch = await measure(() => db.batch(Array.from({ length: 100 }, () => ({ sql: "INSERT INTO kv VALUES (?, ?)", args: [key++, "batch"] })), "write"));
    const tx = await measure(async () => {
      const t = await db.transaction("write");
      await t.execute({ sql: "INSERT INTO kv VALUES (?, ?)", args: [key++, "tx"] });
      await t.commit();
    });
    const share = (m: Measure): number => Math.round((m.ops_per_s / http.ops_per_s) * 100) / 100;
    return {
      engine: "libsql 0.5.29 via db/server (supervised), client @libsql/client 0.18 HTTP",
      duration_ms_each: DURATION_MS,
      concurrency: CONCURRENCY,
      http_roundtrip_get_v2: http,
      select_by_key: { ...select, share_of_http_ceiling: share(select) },
      insert_single_row: { ...insert, share_of_http_ceiling: share(insert) },
      write_batch_100_inserts: { ...batch, rows_per_s: batch.ops_per_s * 100, share_of_http_ceiling: share(batch) },
      interactive_transaction_begin_insert_commit: { ...tx, share_of_http_ceiling: share(tx) },
      server_restarts: server.restarts,
    };
  } finally {
    db.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchDatabase(), null, 2));
}
