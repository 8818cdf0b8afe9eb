/**
 * Benchmark of an organization's room as the product uses it (docs/performance.md), against the
 * built Worker served by Miniflare directly (stack.ts), in ONE run. The loads and the live
 * part each start with an unmeasured warm-up (for the loads: both invitation loads and the
 * no-op under load; the steady state is what counts):
 *
 *   a. the no-op ceiling: N concurrent keep-alive clients on POST /api/bench/noop/:orgId (the
 *      platform hop of a command and nothing else: "a route that calls the room and does
 *      nothing", docs/performance.md), sent the same load as the invitations (the owner's cookie, an
 *      invitation's body), at 64 and at 256 clients;
 *   b. single authenticated invitations (owner's session cookie) at 64 and 256 clients,
 *      reported as a share of the ceiling of the same run and with p99 against the no-op's;
 *   c. zero seat overruns: 500 concurrent invitations against a 50-seat organization,
 *      counted in the database afterwards;
 *   d. one bulk request of 1,000 invitations: wall time;
 *   e. commit-to-socket (measured first, before the loads above leave their garbage in the
 *      isolate): 1,000 live sockets, 50 sequential commands, receipt time minus the
 *      event's `at` (same machine, same clock); after each command, the fan-out floor: the
 *      room sends a frame of the same size to the same sockets and does nothing else;
 *   f. scale, on a stack of its own: one organization holding 10,000 sockets (or as many as
 *      this machine's open-file limit lets one workerd hold), each given every event; the
 *      memory per socket and per pending invitation (the isolate's heap after a full
 *      collection, read through the inspector, and workerd's resident set).
 *
 * Plus a breakdown that explains the invitation figure: each hop of the invitation route
 * measured on its own (bench-only routes, worker.ts), CPU per request of workerd, the
 * database server and the load generator, and the room's group-commit counters.
 *
 * Every measure is bounded in time and count. Run alone: `node test/bench/room.ts`, or
 * `npm run bench -- room`. BENCH_ROOM_MS sets the length of each throughput window,
 * BENCH_ROOM_ROUNDS how many rounds each throughput measure takes (its median counts);
 * BENCH_ROOM_PARTS (throughput, seats, bulk, live, scale; comma-separated) runs only some
 * measures; BENCH_ROOM_HOLD_SOCKETS and BENCH_ROOM_PENDING size the scale measure.
 */
import { readdirSync, readFileSync } from "node:fs";
import { PerformanceObserver } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createClient } from "@libsql/client";
import { WebSocket } from "ws";
import { freePort, heapKib, Inspector, residentKib } from "./inspector.ts";
import { BenchApi, type Caller } from "./api.ts";
import { startBenchStack, type BenchStack } from "./stack.ts";
import { childrenOf } from "../support/processes.ts";

const WINDOW_MS = Number(process.env.BENCH_ROOM_MS ?? 3_000);
const WARMUP_MS = Math.min(1_000, WINDOW_MS / 2);
/** Rounds of each throughput measure; its share is the median of theirs. */
const ROUNDS = Number(process.env.BENCH_ROOM_ROUNDS ?? 3);
/** Never more requests than this in one measure, whatever the machine does. */
const MAX_REQUESTS = 60_000;
const SOCKETS = Number(process.env.BENCH_ROOM_SOCKETS ?? 1_000);
const LIVE_COMMANDS = 50;
/**
 * Open files a process may have here (`ulimit -n`; this sandbox's hard limit is 20,000).
 * Locally workerd holds two descriptors per socket (both refer to the same connection, as
 * `/proc/<pid>/fd` shows), so one workerd holds at most about half of it.
 */
function openFilesLimit(): number {
  const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"))?.[1];
  return line === undefined || line === "unlimited" ? Number.POSITIVE_INFINITY : Number(line);
}
/** Sockets one organization holds in the scale measure (docs/performance.md: 10,000 with hibernation). */
const HOLD_TARGET = 10_000;
const HOLD_CAPACITY = Math.floor((openFilesLimit() - 200) / 2);
const HOLD_SOCKETS = Number(process.env.BENCH_ROOM_HOLD_SOCKETS ?? Math.min(HOLD_TARGET, HOLD_CAPACITY));
/** Pending invitations the scale measure loads into one room, to weigh them in memory. */
const PENDING_LOAD = Number(process.env.BENCH_ROOM_PENDING ?? 20_000);
/** Which measures to run (BENCH_ROOM_PARTS=live,bulk …); all of them by default. */
const allParts = ["throughput", "seats", "bulk", "live", "scale"] as const;
const parts = new Set<string>(process.env.BENCH_ROOM_PARTS ? process.env.BENCH_ROOM_PARTS.split(",").map((p) => p.trim()) : allParts);
for (const part of parts) {
  if (!(allParts as readonly string[]).includes(part)) throw new Error(`BENCH_ROOM_PARTS: unknown part "${part}" (known: ${allParts.join(", ")})`);
}

const targets = {
  // The issue's own figure (≥ 1,000 invitations/s); the share of the no-op beside it (docs/performance.md).
  invitations_64_per_s_min: 1_000,
  invitations_64_share_of_ceiling_min: 0.7,
  invitations_64_p99_ratio_max: 1.5,
  invitations_256_share_of_ceiling_min: 0.8,
  overruns: 0,
  bulk_1000_ms_max: 1000,
  commit_to_socket_p99_ms_max: 50,
  sockets_held_min: HOLD_TARGET,
};

// ---------------------------------------------------------------------------------------
// Measuring

interface Cpu {
  /** CPU time per completed request, in microseconds, by process. */
  workerd_us_per_req: number | null;
  db_server_us_per_req: number | null;
  load_generator_us_per_req: number;
  /** Cores busy over the window (2 = both cores of this machine). */
  cores_busy_total: number | null;
  /** The same by process: workerd, the database server, this load generator. */
  cores_busy_workerd: number | null;
  cores_busy_db_server: number | null;
  cores_busy_load_generator: number | null;
  /** Every process of the machine (/proc/stat): what the processes above leave to others' work. */
  cores_busy_machine: number | null;
  /**
   * Share of the window that workerd's busiest thread ran (the Worker's isolate runs its JS
   * on one thread: 1 = saturated).
   */
  workerd_busiest_thread_busy_share: number | null;
}

export interface Load {
  clients: number;
  per_s: number;
  p50_ms: number;
  p99_ms: number;
  count: number;
  errors: number;
  statuses: Record<string, number>;
  cpu: Cpu;
}

const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0);
}

/** utime and stime of a process, in ms (clock ticks are 10 ms on Linux). */
function processTimes(pid: number | undefined): { user: number; system: number } | null {
  return pid ? statTimes(`/proc/${pid}/stat`) : null;
}

/** utime and stime from a `stat` file of /proc (a process's or one thread's), in ms. */
function statTimes(path: string): { user: number; system: number } | null {
  try {
    const stat = readFileSync(path, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
  } catch {
    return null;
  }
}

/** utime + stime of a process, in ms. */
function processCpuMs(pid: number | undefined): number | null {
  const times = processTimes(pid);
  return times && times.user + times.system;
}

/**
 * CPU of this process's threads other than the main one, in ms: V8's helpers (the
 * collector's parallel and concurrent work) and libuv's pool. On two cores, whatever they
 * run competes with workerd.
 */
function helperThreadsCpuMs(): number {
  let total = 0;
  for (const thread of readdirSync(`/proc/${process.pid}/task`)) {
    if (thread === String(process.pid)) continue;
    const times = statTimes(`/proc/${process.pid}/task/${thread}/stat`);
    if (times) total += times.user + times.system;
  }
  return total;
}

/** Our own child processes whose command name contains `name` (workerd under Miniflare). */
export function childPids(name: string): number[] {
  return childrenOf(process.pid)
    .filter((child) => child.name.includes(name))
    .map((child) => child.pid);
}

export interface Processes {
  workerd: number[];
  db: () => number | undefined;
}

/** CPU ms of every thread of `pids`, by `pid/tid`. */
function threadCpuMs(pids: number[]): Map<string, number> {
  const threads = new Map<string, number>();
  for (const pid of pids) {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      const times = statTimes(`/proc/${pid}/task/${tid}/stat`);
      if (times) threads.set(`${pid}/${tid}`, times.user + times.system);
    }
  }
  return threads;
}

/** CPU ms the whole machine has spent busy (not idle, not waiting for I/O), from /proc/stat. */
function machineBusyMs(): number | null {
  const fields = /^cpu\s+(.*)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1]?.trim().split(/\s+/).map(Number);
  if (!fields || fields.length < 5) return null;
  // user nice system idle iowait irq softirq steal (guest time is already in user), in 10 ms ticks.
  const busy = fields.slice(0, 8).reduce((a, v, i) => (i === 3 || i === 4 ? a : a + v), 0);
  return busy * 10;
}

function sampleCpu(processes: Processes): { workerd: number | null; workerdThreads: Map<string, number>; db: number | null; self: number; machine: number | null; at: number } {
  const w = processes.workerd.map(processCpuMs);
  const own = process.cpuUsage();
  return {
    workerd: w.length && w.every((v) => v !== null) ? w.reduce((a, b) => a! + b!, 0)! : null,
    workerdThreads: threadCpuMs(processes.workerd),
    db: processCpuMs(processes.db()),
    self: (own.user + own.system) / 1000,
    machine: machineBusyMs(),
    at: performance.now(),
  };
}

/**
 * `clients` closed-loop clients call `op` back to back for WARMUP_MS + WINDOW_MS; requests
 * that complete inside the window count. `op` answers the HTTP status; `ok` says which
 * statuses are successes.
 */
export async function load(clients: number, processes: Processes, op: (i: number) => Promise<number>, ok: (status: number) => boolean): Promise<Load> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let issued = 0;
  const started = performance.now();
  const windowStart = started + WARMUP_MS;
  const windowEnd = windowStart + WINDOW_MS;
  let cpuStart: ReturnType<typeof sampleCpu> | undefined;
  const cpuTimer = setTimeout(() => (cpuStart = sampleCpu(processes)), WARMUP_MS);
  let cpuEnd: ReturnType<typeof sampleCpu> | undefined;
  const cpuEndTimer = setTimeout(() => (cpuEnd = sampleCpu(processes)), WARMUP_MS + WINDOW_MS);
  const client = async (): Promise<void> => {
    while (performance.now() < windowEnd && issued < MAX_REQUESTS) {
      const i = issued++;
      const t0 = performance.now();
      let status: number;
      try {
        status = await op(i);
      } catch {
        status = 0;
      }
      const t1 = performance.now();
      if (t1 >= windowStart && t1 < windowEnd) {
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (ok(status)) latencies.push(t1 - t0);
        else errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  clearTimeout(cpuTimer);
  clearTimeout(cpuEndTimer);
  cpuEnd ??= sampleCpu(processes);
  const seconds = (Math.min(performance.now(), windowEnd) - windowStart) / 1000;
  latencies.sort((a, b) => a - b);
  const done = latencies.length + errors;
  const per = (from: number | null | undefined, to: number | null | undefined): number | null =>
    from == null || to == null || done === 0 ? null : Math.round(((to - from) * 1000) / done);
  const wall = cpuStart && cpuEnd ? cpuEnd.at - cpuStart.at : 0;
  const busy =
    cpuStart && cpuEnd && cpuStart.workerd !== null && cpuEnd.workerd !== null && cpuStart.db !== null && cpuEnd.db !== null && wall > 0
      ? round((cpuEnd.workerd - cpuStart.workerd + cpuEnd.db - cpuStart.db + cpuEnd.self - cpuStart.self) / wall)
      : null;
  const coresOf = (from: number | null | undefined, to: number | null | undefined): number | null => (from == null || to == null || wall <= 0 ? null : round((to - from) / wall));
  let busiestThreadMs: number | null = null;
  if (cpuStart && cpuEnd) {
    for (const [thread, ms] of cpuEnd.workerdThreads) busiestThreadMs = Math.max(busiestThreadMs ?? 0, ms - (cpuStart.workerdThreads.get(thread) ?? 0));
  }
  return {
    clients,
    per_s: Math.round(latencies.length / seconds),
    p50_ms: percentile(latencies, 0.5),
    p99_ms: percentile(latencies, 0.99),
    count: latencies.length,
    errors,
    statuses,
    cpu: {
      workerd_us_per_req: per(cpuStart?.workerd, cpuEnd?.workerd),
      db_server_us_per_req: per(cpuStart?.db, cpuEnd?.db),
      load_generator_us_per_req: per(cpuStart?.self, cpuEnd?.self) ?? 0,
      cores_busy_total: busy,
      cores_busy_workerd: coresOf(cpuStart?.workerd, cpuEnd?.workerd),
      cores_busy_db_server: coresOf(cpuStart?.db, cpuEnd?.db),
      cores_busy_load_generator: coresOf(cpuStart?.self, cpuEnd?.self),
      cores_busy_machine: coresOf(cpuStart?.machine, cpuEnd?.machine),
      workerd_busiest_thread_busy_share: busiestThreadMs === null || wall <= 0 ? null : round(busiestThreadMs / wall),
    },
  };
}

/** The no-op ceiling of a load: the mean of the runs just before and just after it. */
interface Ceiling {
  per_s: number;
  p50_ms: number;
  p99_ms: number;
  runs: Load[];
}

function ceilingOf(...runs: Load[]): Ceiling {
  const mean = (f: (l: Load) => number): number => round(runs.reduce((a, l) => a + f(l), 0) / runs.length);
  return { per_s: Math.round(mean((l) => l.per_s)), p50_ms: mean((l) => l.p50_ms), p99_ms: mean((l) => l.p99_ms), runs };
}

// ---------------------------------------------------------------------------------------
// Talking to the Worker

/** The bench's client, with what the room bench does through it. */
export class Api extends BenchApi {
  async createOrg(owner: Caller, slug: string, seatLimit: number): Promise<{ id: string; slug: string }> {
    const created = await this.must<{ org: { id: string } }>(201, "POST", "/api/v1/orgs", { name: `Bench ${slug}`, slug }, owner);
    await this.must(200, "PATCH", `/api/v1/orgs/${slug}`, { seatLimit }, owner);
    return { id: created.org.id, slug };
  }
}

// ---------------------------------------------------------------------------------------
// The measures

let emailCounter = 0;
const runTag = Date.now().toString(36);
const freshEmail = (stem: string): string => `${stem}.${runTag}.${++emailCounter}@bench.example.com`;

async function roomStats(api: Api, orgId: string): Promise<{ transactions: number; commands: number; retried: number; commitMs: number; waiting: number; liveSeq: number }> {
  return api.must(200, "GET", `/api/bench/stats/${orgId}`);
}

/** Invitations at `clients` concurrency, plus the group-commit counters of that window. */
type InvitationLoad = Awaited<ReturnType<typeof invitationLoad>>;

export async function invitationLoad(api: Api, processes: Processes, org: { id: string; slug: string }, owner: Caller, clients: number, databaseUrl: string) {
  const seatsBefore = await seatsInDatabase(databaseUrl, org.id);
  const before = await roomStats(api, org.id);
  const result = await load(
    clients,
    processes,
    (i) => api.call("POST", `/api/v1/orgs/${org.slug}/invitations`, { invitee: freshEmail(`load${clients}-${i}`) }, owner).then((r) => r.status),
    (s) => s === 201,
  );
  const after = await roomStats(api, org.id);
  const transactions = after.transactions - before.transactions;
  const commands = after.commands - before.commands;
  return {
    ...result,
    pending_invitations_at_start: seatsBefore.pending,
    group_commit: {
      transactions,
      commands,
      commands_per_transaction: transactions ? round(commands / transactions, 1) : null,
      // Wall time from sending a group's transaction to its answer, as the room sees it.
      commit_ms_per_transaction: transactions ? round((after.commitMs - before.commitMs) / transactions, 1) : null,
      retried: after.retried - before.retried,
    },
  };
}

async function seatsInDatabase(databaseUrl: string, orgId: string): Promise<{ limit: number; members: number; pending: number }> {
  const db = createClient({ url: databaseUrl });
  try {
    const now = Date.now();
    const [limit, members, pending] = await Promise.all([
      db.execute({ sql: "SELECT seat_limit AS n FROM organizations WHERE id = ?", args: [orgId] }),
      db.execute({ sql: "SELECT count(*) AS n FROM memberships WHERE org_id = ?", args: [orgId] }),
      db.execute({ sql: "SELECT count(*) AS n FROM invitations WHERE org_id = ? AND status = 'pending' AND expires_at > ?", args: [orgId, now] }),
    ]);
    return { limit: Number(limit.rows[0]?.n), members: Number(members.rows[0]?.n), pending: Number(pending.rows[0]?.n) };
  } finally {
    db.close();
  }
}

async function overruns(api: Api, databaseUrl: string, owner: Caller) {
  const limit = 50;
  const attempts = 500;
  const org = await api.createOrg(owner, `bench-seats-${runTag}`, limit);
  const started = performance.now();
  const statuses = await Promise.all(
    Array.from({ length: attempts }, (_, i) =>
      api.call("POST", `/api/v1/orgs/${org.slug}/invitations`, { invitee: freshEmail(`seat-${i}`) }, owner).then((r) => r.status, () => 0),
    ),
  );
  const wallMs = Math.round(performance.now() - started);
  const counts: Record<string, number> = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  const seats = await seatsInDatabase(databaseUrl, org.id);
  const used = seats.members + seats.pending;
  const expectedUsed = Math.min(seats.limit, seats.members + attempts);
  return {
    seat_limit: seats.limit,
    concurrent_invitations: attempts,
    wall_ms: wallMs,
    statuses: counts,
    db_members: seats.members,
    db_pending: seats.pending,
    db_used: used,
    expected_used: expectedUsed,
    overruns: Math.max(0, used - seats.limit),
    created_201_matches_db_pending: (counts["201"] ?? 0) === seats.pending,
    every_seat_taken: used === expectedUsed,
  };
}

async function bulk(api: Api, owner: Caller) {
  const org = await api.createOrg(owner, `bench-bulk-${runTag}`, 100_000);
  // Warm the room (its state loads once) so the figure is the bulk's own.
  await api.must(201, "POST", `/api/v1/orgs/${org.slug}/invitations`, { invitee: freshEmail("bulk-warm") }, owner);
  const rows = Array.from({ length: 1000 }, (_, i) => ({ invitee: freshEmail(`bulk-${i}`) }));
  const started = performance.now();
  const answer = await api.call<{ created: number; failed: number }>("POST", `/api/v1/orgs/${org.slug}/invitations/bulk`, { invitations: rows }, owner);
  const wallMs = Math.round(performance.now() - started);
  if (answer.status !== 200) throw new Error(`bulk answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 500)}`);
  const stats = await roomStats(api, org.id);
  return { rows: rows.length, wall_ms: wallMs, created: answer.body.created, failed: answer.body.failed, room_transactions_total: stats.transactions };
}

/**
 * Opens `n` live sockets as `owner`, `parallel` upgrades at a time, with the `ws` client:
 * one process stands in for a thousand browsers, so receiving must cost it little (undici's
 * WebSocket spent ~100 µs of this process per frame, which the server's figure then wore).
 *
 * Like a browser, the client offers permessage-deflate; the Worker refuses it
 * (`no_web_socket_compression`, wrangler.toml), and `compressed` counts sockets where it
 * was negotiated all the same.
 */
export async function openSockets(
  stack: BenchStack,
  slug: string,
  cookie: string,
  n: number,
  parallel: number,
  onFrame: (ws: number, data: Buffer, at: number) => void,
): Promise<{ sockets: WebSocket[]; failed: number; compressed: number }> {
  const url = `${stack.url.replace(/^http/, "ws")}/api/v1/orgs/${slug}/live`;
  const sockets: WebSocket[] = [];
  let failed = 0;
  let compressed = 0;
  let next = 0;
  const opener = async (): Promise<void> => {
    while (next < n) {
      const index = next++;
      const ws = new WebSocket(url, { headers: { cookie, origin: stack.appUrl, "cf-connecting-ip": "192.0.2.20" } });
      // Listening from the start: `ready` may arrive with the upgrade's answer.
      ws.on("message", (data: Buffer) => onFrame(index, data, Date.now()));
      const opened = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 10_000);
        ws.once("open", () => (clearTimeout(timer), resolve(true)));
        ws.once("error", () => (clearTimeout(timer), resolve(false)));
      });
      if (!opened) {
        failed++;
        ws.terminate();
        continue;
      }
      if (ws.extensions.includes("permessage-deflate")) compressed++;
      sockets.push(ws);
    }
  };
  await Promise.all(Array.from({ length: parallel }, opener));
  return { sockets, failed, compressed };
}

/**
 * The events in one socket message and the `at` of the first, read without parsing the
 * message (it is a lone event or an array of a commit's events, which share their `at`);
 * null for control frames.
 */
function eventsIn(message: Buffer): { count: number; at: number } | null {
  const key = message.indexOf('"at":"');
  if (key < 0) return null;
  const start = key + 6;
  const end = message.indexOf(34 /* " */, start);
  if (end < 0) return null;
  let count = 0;
  for (let i = message.indexOf('{"seq":'); i >= 0; i = message.indexOf('{"seq":', i + 7)) count++;
  return { count, at: Date.parse(message.toString("latin1", start, end)) };
}

/** One live round as the sockets saw it: its first and its last receipt, in ms after `at`. */
interface Span {
  first: number;
  last: number;
  /** This process's garbage-collection pauses during the round, in ms (receipts wait them out). */
  gc: number;
  /** CPU of this process's helper threads during the round, in ms (see helperThreadsCpuMs). */
  helpers: number;
  /** The Worker isolate's heap after the round, in KiB (BENCH_ROOM_HEAP_TRACE only). */
  heapKib?: number;
}

/**
 * Rounds summed up: when the first socket typically heard (what the room did before its
 * first send), when the last did (the whole fan-out), and the five slowest rounds (a p99 of
 * a thousand sockets is often one or two slow rounds, not a slow fan-out).
 */
function spansOf(list: Span[]) {
  const firsts = list.map((r) => r.first).sort((a, b) => a - b);
  const lasts = list.map((r) => r.last).sort((a, b) => a - b);
  return {
    load_generator_gc_ms: round(list.reduce((a, r) => a + r.gc, 0), 1),
    load_generator_helper_threads_ms: round(list.reduce((a, r) => a + r.helpers, 0), 1),
    first_p50_ms: percentile(firsts, 0.5),
    last_p50_ms: percentile(lasts, 0.5),
    last_worst_ms: lasts.slice(-5).reverse(),
    // Every round in order: [first, last, this process's GC ms, its helper threads' CPU ms
    // (, workerd's heap KiB)].
    each: list.map((r) => [r.first, r.last, r.gc, r.helpers, ...(r.heapKib === undefined ? [] : [r.heapKib])]),
  };
}

/** Polls `predicate` every 2 ms until it holds (true) or `timeoutMs` ran out (false). */
async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
  return true;
}

/**
 * Scale, on a stack of its own with workerd's inspector open (for the heap after a full
 * collection; nothing else is measured on it): what a room's memory grows by per pending
 * invitation (it keeps every one in its state) and per socket, and one organization
 * holding HOLD_SOCKETS sockets, every event reaching every one of them.
 */
async function scale() {
  const inspectorPort = await freePort();
  const others = new Set(childPids("workerd"));
  const stack = await startBenchStack({ inspectorPort });
  const api = new Api(stack);
  let inspector: Inspector | undefined;
  let sockets: WebSocket[] = [];
  try {
    const workerd = childPids("workerd").filter((pid) => !others.has(pid));
    const owner = await api.signIn(`scale.${runTag}@bench.example.com`, "192.0.2.30");
    const caller = { cookie: owner.cookie, address: "192.0.2.31" };
    inspector = await Inspector.connect(inspectorPort, (t) => /roster-bench/.test(`${t.title} ${t.url}`));

    // Pending invitations, in bulks of 1,000 on a warm room.
    const heavy = await api.createOrg(caller, `bench-pending-${runTag}`, 100_000);
    await api.must(201, "POST", `/api/v1/orgs/${heavy.slug}/invitations`, { invitee: freshEmail("pending-warm") }, caller);
    const pendingHeap0 = await heapKib(inspector);
    const pendingRss0 = residentKib(workerd);
    for (let done = 0; done < PENDING_LOAD; done += 1_000) {
      const rows = Array.from({ length: Math.min(1_000, PENDING_LOAD - done) }, (_, i) => ({ invitee: freshEmail(`pending-${done + i}`) }));
      const answer = await api.must<{ created: number }>(200, "POST", `/api/v1/orgs/${heavy.slug}/invitations/bulk`, { invitations: rows }, caller);
      if (answer.created !== rows.length) throw new Error(`scale: a bulk created ${answer.created} of ${rows.length}`);
    }
    const pendingHeap1 = await heapKib(inspector);
    const pendingRss1 = residentKib(workerd);

    // Sockets on another organization.
    const org = await api.createOrg(caller, `bench-hold-${runTag}`, 100_000);
    let ready = 0;
    let received = 0;
    let last = 0;
    const onFrame = (_ws: number, data: Buffer, receivedAt: number): void => {
      const events = eventsIn(data);
      if (events === null) {
        if (data.includes('"type":"ready"')) ready++;
        return;
      }
      received++;
      last = Math.max(last, receivedAt - events.at);
    };
    const socketsHeap0 = await heapKib(inspector);
    const socketsRss0 = residentKib(workerd);
    const openStarted = performance.now();
    const opened = await openSockets(stack, org.slug, owner.cookie, HOLD_SOCKETS, 100, onFrame);
    sockets = opened.sockets;
    const openMs = Math.round(performance.now() - openStarted);
    await waitFor(() => ready >= sockets.length, 20_000);
    const socketsHeap1 = await heapKib(inspector);
    const socketsRss1 = residentKib(workerd);
    // Commands one after another; each must reach every socket (within 10 s).
    const lastMs: number[] = [];
    let undelivered = 0;
    for (let i = 0; i < 5; i++) {
      const before = received;
      last = 0;
      await api.must(201, "POST", `/api/v1/orgs/${org.slug}/invitations`, { invitee: freshEmail(`hold-${i}`) }, caller);
      await waitFor(() => received - before >= sockets.length, 10_000);
      undelivered += Math.max(0, sockets.length - (received - before));
      lastMs.push(last);
    }
    const perItem = (kib: number, n: number): number => round(kib / Math.max(1, n), 2);
    return {
      pending_invitations_loaded: PENDING_LOAD,
      // Retained by the isolate (after a full collection) per pending invitation in a room.
      heap_kib_per_pending_invitation: perItem(pendingHeap1 - pendingHeap0, PENDING_LOAD),
      workerd_rss_kib_per_pending_invitation: perItem(pendingRss1 - pendingRss0, PENDING_LOAD),
      sockets_target: HOLD_TARGET,
      // What this machine allows one workerd (two open files per socket, see openFilesLimit).
      sockets_possible_here: HOLD_CAPACITY,
      sockets_requested: HOLD_SOCKETS,
      sockets_open: sockets.length,
      sockets_failed: opened.failed,
      sockets_ready: ready,
      open_ms: openMs,
      open_per_s: Math.round((sockets.length / Math.max(1, openMs)) * 1000),
      // The room's own share (JS heap) and the local runtime's (its connections and buffers).
      heap_kib_per_socket: perItem(socketsHeap1 - socketsHeap0, sockets.length),
      workerd_rss_kib_per_socket: perItem(socketsRss1 - socketsRss0, sockets.length),
      commands: lastMs.length,
      // Commit to the LAST of all the sockets, per command.
      commit_to_last_socket_ms: lastMs,
      messages_not_delivered: undelivered,
    };
  } finally {
    for (const ws of sockets) ws.terminate();
    inspector?.close();
    await api.close();
    await stack.stop();
  }
}

/** A collection of this process's heap, now (V8's `gc`, exposed at run time). */
const collectOwnGarbage: (options: { type: "major" | "minor" }) => void = (() => {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as (options: { type: "major" | "minor" }) => void;
})();

/**
 * A major collection of this process's heap, then a wait until its helper threads are
 * idle (the collection's concurrent work ends after its pause). Done once, before the
 * live part's warm-up; between rounds, minor collections suffice.
 */
async function collectOwnGarbageAndSettle(): Promise<void> {
  collectOwnGarbage({ type: "major" });
  const deadline = performance.now() + 3_000;
  let before = helperThreadsCpuMs();
  while (performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    const now = helperThreadsCpuMs();
    if (now === before) return;
    before = now;
  }
}

async function commitToSocket(api: Api, stack: BenchStack, owner: Caller & { cookie: string }, processes: Processes, heapInspector?: Inspector) {
  const org = await api.createOrg(owner, `bench-live-${runTag}`, 10_000);
  // Receipt minus `at` per event, for the commands and for the floor (frames the room sends
  // with nothing else to do), taken in alternation so both see the same machine.
  const samples = { command: [] as number[], floor: [] as number[] };
  let phase: keyof typeof samples = "command";
  // Each round's first and last receipt (ms after `at`): the offset before the first socket
  // hears of it, and how long the whole fan-out took.
  const roundSpans = { command: [] as Span[], floor: [] as Span[] };
  let span: Span = { first: Number.POSITIVE_INFINITY, last: 0, gc: 0, helpers: 0 };
  // The receiving process's own GC pauses, which hold back every receipt behind them
  // (entries arrive after the fact: each round sums those that started inside it).
  const gcPauses: Array<{ start: number; ms: number }> = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcPauses.push({ start: entry.startTime, ms: entry.duration });
  });
  gcObserver.observe({ entryTypes: ["gc"] });
  let eventFrames = 0;
  let readyFrames = 0;
  let messages = 0;
  let messageBytes = 0;
  const onFrame = (_ws: number, data: Buffer, receivedAt: number): void => {
    const events = eventsIn(data);
    if (events === null) {
      if (data.includes('"type":"ready"')) readyFrames++;
      return;
    }
    if (phase === "command") {
      messages++;
      messageBytes += data.length;
    }
    const latency = receivedAt - events.at;
    span.first = Math.min(span.first, latency);
    span.last = Math.max(span.last, latency);
    for (let i = 0; i < events.count; i++) {
      eventFrames++;
      samples[phase].push(latency);
    }
  };
  const openStarted = performance.now();
  const { sockets, failed, compressed } = await openSockets(stack, org.slug, owner.cookie, SOCKETS, 50, onFrame);
  const openMs = Math.round(performance.now() - openStarted);
  try {
    await waitFor(() => readyFrames >= sockets.length, 5_000);
    let eventsPerCommand = 0;
    let incomplete = 0;
    const commandMs: number[] = [];
    const workerdTimes = (): { user: number; system: number } =>
      processes.workerd.map(processTimes).reduce<{ user: number; system: number }>((a, t) => ({ user: a.user + (t?.user ?? 0), system: a.system + (t?.system ?? 0) }), { user: 0, system: 0 });
    // CPU is summed per phase over its rounds (sampled around each round).
    const cpu = { command: { workerd: 0, user: 0, system: 0, db: 0, self: 0 }, floor: { workerd: 0, user: 0, system: 0, db: 0, self: 0 } };
    const measured = async (which: keyof typeof samples, round: () => Promise<boolean>): Promise<void> => {
      // This process collects its garbage between rounds, not during one (a collection
      // mid-round holds back every receipt behind it: the load generator's pause, not the
      // room's latency). A minor collection: after a major one, every round spent ~20 ms
      // more of this process's CPU (V8 recompiling the code the collection discarded, on
      // helper threads), on the core workerd needs for the fan-out, and the last socket
      // heard ~10 ms later.
      collectOwnGarbage({ type: "minor" });
      phase = which;
      span = { first: Number.POSITIVE_INFINITY, last: 0, gc: 0, helpers: 0 };
      const roundStart = performance.now();
      const c0 = sampleCpu(processes);
      const t0 = workerdTimes();
      const h0 = helperThreadsCpuMs();
      if (!(await round())) incomplete++;
      const roundEnd = performance.now();
      const c1 = sampleCpu(processes);
      const t1 = workerdTimes();
      span.helpers = helperThreadsCpuMs() - h0;
      await new Promise((r) => setImmediate(r)); // lets the observer deliver the round's entries
      const paused = gcPauses.filter((g) => g.start >= roundStart && g.start < roundEnd).reduce((a, g) => a + g.ms, 0);
      span.gc = Math.round(paused * 10) / 10;
      if (heapInspector) {
        const usage = await heapInspector.send<{ usedSize: number }>("Runtime.getHeapUsage");
        span.heapKib = Math.round(usage.usedSize / 1024);
      }
      roundSpans[which].push(span);
      const add = (a: number | null, b: number | null): number => (a === null || b === null ? 0 : b - a);
      cpu[which].workerd += add(c0.workerd, c1.workerd);
      cpu[which].user += t1.user - t0.user;
      cpu[which].system += t1.system - t0.system;
      cpu[which].db += add(c0.db, c1.db);
      cpu[which].self += add(c0.self, c1.self);
    };
    // Whatever the earlier loads left in this process's heap goes now, not in a round.
    await collectOwnGarbageAndSettle();
    // Warm-up, not counted. A first command teaches how many events one invitation sends
    // to every socket and how long its message is; then a first floor round. Both also let
    // V8 compile this process's receiving path again: a major collection discards compiled
    // code, and the first round after one spent ~20-60 ms recompiling on helper threads.
    {
      const before = eventFrames;
      await api.must(201, "POST", `/api/v1/orgs/${org.slug}/invitations`, { invitee: freshEmail("live-first") }, owner);
      await waitFor(() => false, 300);
      eventsPerCommand = Math.max(1, Math.round((eventFrames - before) / Math.max(1, sockets.length)));
      phase = "floor";
      await api.must(200, "POST", `/api/bench/fanout/${org.id}?bytes=${Math.round(messageBytes / Math.max(1, messages))}`);
      await waitFor(() => false, 300);
      samples.command.length = 0;
      samples.floor.length = 0;
      messages = 0;
      messageBytes = 0;
    }
    for (let i = 0; i < LIVE_COMMANDS; i++) {
      await measured("command", async () => {
        const before = eventFrames;
        const t0 = performance.now();
        await api.must(201, "POST", `/api/v1/orgs/${org.slug}/invitations`, { invitee: freshEmail(`live-${i}`) }, owner);
        commandMs.push(performance.now() - t0);
        return waitFor(() => eventFrames - before >= eventsPerCommand * sockets.length, 2_000);
      });
      // The command's mail goes out right after its fan-out (it is part of the command's
      // cost, and the floor's fan-out should not share the core with it).
      await waitFor(() => false, 100);
      await measured("floor", async () => {
        const before = eventFrames;
        await api.must(200, "POST", `/api/bench/fanout/${org.id}?bytes=${Math.round(messageBytes / Math.max(1, messages))}`);
        return waitFor(() => eventFrames - before >= sockets.length, 2_000);
      });
    }
    for (const list of Object.values(samples)) list.sort((a, b) => a - b);
    commandMs.sort((a, b) => a - b);
    const perRound = (ms: number): number => round(ms / LIVE_COMMANDS, 1);
    const cpuOf = (c: (typeof cpu)["command"]) => ({
      workerd: perRound(c.workerd),
      workerd_user: perRound(c.user),
      workerd_system: perRound(c.system),
      db_server: perRound(c.db),
      load_generator_receiving: perRound(c.self),
    });
    const p99 = percentile(samples.command, 0.99);
    const floorP99 = percentile(samples.floor, 0.99);
    return {
      sockets_requested: SOCKETS,
      sockets_open: sockets.length,
      sockets_failed: failed,
      sockets_with_compression: compressed,
      open_ms: openMs,
      open_per_s: Math.round((sockets.length / openMs) * 1000),
      commands: LIVE_COMMANDS,
      command: "POST …/invitations (one after another; each waits until its events reached every socket)",
      measured: "per event: receipt in this process minus the event's `at` (set by the room right after the commit)",
      events_per_command: eventsPerCommand,
      socket_messages_per_command: round(messages / LIVE_COMMANDS / Math.max(1, sockets.length), 2),
      message_bytes: Math.round(messageBytes / Math.max(1, messages)),
      samples: samples.command.length,
      rounds_not_fully_delivered_within_2s: incomplete,
      commit_to_socket_p50_ms: percentile(samples.command, 0.5),
      commit_to_socket_p90_ms: percentile(samples.command, 0.9),
      commit_to_socket_p99_ms: p99,
      commit_to_socket_max_ms: percentile(samples.command, 1),
      command_response_p50_ms: percentile(commandMs, 0.5),
      // CPU per command (its events to every socket, its mail): the server's fan-out vs this
      // client's receiving.
      cpu_ms_per_command: cpuOf(cpu.command),
      rounds: spansOf(roundSpans.command),
      floor: {
        what: "after each command, the room sends one frame of the same size to the same sockets with nothing else (bench-only RPC): the platform's own fan-out on this machine",
        p50_ms: percentile(samples.floor, 0.5),
        p90_ms: percentile(samples.floor, 0.9),
        p99_ms: floorP99,
        max_ms: percentile(samples.floor, 1),
        cpu_ms_per_round: cpuOf(cpu.floor),
        rounds: spansOf(roundSpans.floor),
      },
      p99_over_floor_ms: round(p99 - floorP99),
    };
  } finally {
    gcObserver.disconnect();
    for (const ws of sockets) {
      try {
        ws.close(1000, "bench done");
      } catch {
        // already closed
      }
    }
    await waitFor(() => sockets.every((ws) => ws.readyState === WebSocket.CLOSED), 3_000);
    for (const ws of sockets) ws.terminate();
  }
}

// ---------------------------------------------------------------------------------------

export async function benchRoom(): Promise<Record<string, unknown>> {
  const log = (line: string): void => console.error(`[bench room] ${line}`);
  // BENCH_ROOM_HEAP_TRACE=1: workerd's inspector open, to read the isolate's heap after
  // every live round (a diagnosis: where the slow rounds' major collections fall).
  const inspectorPort = process.env.BENCH_ROOM_HEAP_TRACE ? await freePort() : undefined;
  const stack = await startBenchStack(inspectorPort ? { inspectorPort } : {});
  const heapInspector = inspectorPort ? await Inspector.connect(inspectorPort, (t) => /roster-bench/.test(`${t.title} ${t.url}`)) : undefined;
  const api = new Api(stack);
  try {
    const workerd = childPids("workerd");
    const processes: Processes = { workerd, db: () => stack.databasePid() };

    log("signing in, creating organizations…");
    const owner = await api.signIn(`owner.${runTag}@bench.example.com`, "192.0.2.1");
    const ownerCaller = { cookie: owner.cookie, address: "192.0.2.2" };
    const org = await api.createOrg(ownerCaller, `bench-load-${runTag}`, 100_000);
    const key = await api.must<{ secret: string }>(201, "POST", `/api/v1/orgs/${org.slug}/api-keys`, { name: "bench", scopes: ["invitations:write"] }, ownerCaller);
    const keyCaller = { bearer: key.secret, address: "192.0.2.3" };
    // Load the room's state before anything is timed.
    await api.must(201, "POST", `/api/v1/orgs/${org.slug}/invitations`, { invitee: freshEmail("warm") }, ownerCaller);

    const report: Record<string, unknown> = {
      setup: {
        server: "bench build (test/bench/wrangler.toml, wrangler --dry-run --minify) on Miniflare directly; libSQL db/server supervised, temp file",
        window_ms_each: WINDOW_MS,
        warmup_ms_each: WARMUP_MS,
        throughput_rounds: ROUNDS,
        load_generator: "undici Pool (request API, keep-alive), closed loop, same 2 cores",
        parts: [...parts],
        stack_start_ms: stack.timings,
        bench_bundle_bytes: stack.bundleBytes,
      },
      targets,
    };
    const meets: Record<string, boolean> = {};

    // The live part first, on a fresh isolate: after the throughput loads, the isolate's first
    // major collection has their garbage to sweep, and a fan-out round it falls in starts up
    // to 240 ms late; that pause belongs to those loads, not to commit-to-socket.
    if (parts.has("live")) {
      log(`commit-to-socket with ${SOCKETS} sockets…`);
      const live = await commitToSocket(api, stack, { ...ownerCaller, cookie: owner.cookie }, processes, heapInspector);
      report.commit_to_socket = live;
      meets.commit_to_socket_p99 = live.sockets_open === SOCKETS && live.commit_to_socket_p99_ms < targets.commit_to_socket_p99_ms_max;
    }

    if (parts.has("throughput")) {
      // "The same load against a route that calls the room and does nothing" (docs/performance.md):
      // the bytes of an invitation request (cookie, body), which the no-op route reads
      // (every /api/* body is parsed) and otherwise ignores.
      const noop = (clients: number): Promise<Load> =>
        load(clients, processes, (i) => api.call("POST", `/api/bench/noop/${org.id}`, { invitee: `noop${clients}-${i}.${runTag}@bench.example.com` }, ownerCaller).then((r) => r.status), (s) => s === 200);

      // Steady state, as a long-lived isolate serves it: both routes run under load once,
      // unmeasured, before anything is timed. Without it the first measured load pays for
      // the JIT compiling its path and the heaps growing (it came out ~0.15 of the ceiling
      // lower than the same load measured second, whichever load came first).
      log("warm-up (not measured): invitations by session cookie and by API key, and the no-op…");
      const warmup = {
        invitations_cookie: await invitationLoad(api, processes, org, ownerCaller, 64, stack.databaseUrl),
        invitations_api_key: await invitationLoad(api, processes, org, keyCaller, 64, stack.databaseUrl),
        noop: await noop(64),
      };
      report.warmup = Object.fromEntries(Object.entries(warmup).map(([name, m]) => [name, { per_s: m.per_s, errors: m.errors }]));

      const share = (m: Load, ceiling: Ceiling): number => round(m.per_s / ceiling.per_s);
      const p99Ratio = (m: Load, ceiling: Ceiling): number => round(m.p99_ms / ceiling.p99_ms);
      // workerd's one thread is what saturates on an idle machine, so its CPU per
      // request, no-op over command, predicts the share without the noise of a shared machine.
      const workerdUs = (c: Ceiling): number | null => {
        const v = c.runs.map((r) => r.cpu.workerd_us_per_req).filter((x): x is number => x !== null);
        return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
      };
      const cpuShare = (m: Load, c: Ceiling): number | null => {
        const n = workerdUs(c);
        return n !== null && m.cpu.workerd_us_per_req ? round(n / m.cpu.workerd_us_per_req) : null;
      };
      const judged = (m: Load, c: Ceiling) => ({ share_of_ceiling: share(m, c), p99_ratio_vs_noop: p99Ratio(m, c), share_estimate_from_workerd_cpu: cpuShare(m, c) });
      // The machine is shared and noisy (its windows differ by ±0.08 of the ceiling for the
      // same code), so loads run in ROUNDS rounds: each load is bracketed by a no-op run
      // before and after it, the ceiling of a round is their mean (drift hits both sides
      // alike), and a load's share is the median of its rounds' shares. Every round is in
      // the report.
      const measureRounds = async (clients: number, loads: Array<[name: string, run: () => Promise<InvitationLoad>]>) => {
        const noops: Load[] = [];
        const byLoad = new Map<string, InvitationLoad[]>(loads.map(([name]) => [name, []]));
        for (let r = 0; r < ROUNDS; r++) {
          log(`round ${r + 1}/${ROUNDS}, ${clients} clients: no-op…`);
          noops.push(await noop(clients));
          for (const [name, run] of loads) {
            log(`round ${r + 1}/${ROUNDS}, ${clients} clients: ${name}…`);
            byLoad.get(name)!.push(await run());
          }
        }
        log(`${clients} clients: no-op to close the last round…`);
        noops.push(await noop(clients));
        const ceilings = noops.slice(0, -1).map((before, r) => ceilingOf(before, noops[r + 1]!));
        const judgedRounds = new Map(
          [...byLoad].map(([name, runs]) => [name, runs.map((m, r) => ({ m, ceiling: ceilings[r]!, share: share(m, ceilings[r]!) }))] as const),
        );
        const median = (name: string) => {
          const ranked = [...judgedRounds.get(name)!].sort((a, b) => a.share - b.share);
          const mid = ranked[Math.floor((ranked.length - 1) / 2)]!;
          return {
            ...mid.m,
            ...judged(mid.m, mid.ceiling),
            rounds: judgedRounds.get(name)!.map(({ m, ceiling, share: s }) => ({ per_s: m.per_s, ceiling_per_s: ceiling.per_s, share_of_ceiling: s, p99_ratio_vs_noop: p99Ratio(m, ceiling) })),
          };
        };
        return { ceiling: ceilingOf(...noops), median };
      };

      const at64 = await measureRounds(64, [
        ["invitations by session cookie", () => invitationLoad(api, processes, org, ownerCaller, 64, stack.databaseUrl)],
        ["invitations by API key", () => invitationLoad(api, processes, org, keyCaller, 64, stack.databaseUrl)],
      ]);
      const at256 = await measureRounds(256, [["invitations by session cookie", () => invitationLoad(api, processes, org, ownerCaller, 256, stack.databaseUrl)]]);
      const noop64 = at64.ceiling;
      const noop256 = at256.ceiling;

      log("breakdown: the invitation route's first hop alone, the invitee lookup alone…");
      const authorize64 = await load(64, processes, () => api.call("POST", `/api/bench/authorize/${org.slug}`, undefined, ownerCaller).then((r) => r.status), (s) => s === 200);
      const resolve64 = await load(64, processes, (i) => api.call("POST", `/api/bench/resolve?email=${encodeURIComponent(freshEmail(`r${i}`))}`).then((r) => r.status), (s) => s === 200);

      const invitations64 = at64.median("invitations by session cookie");
      const invitations256 = at256.median("invitations by session cookie");
      Object.assign(report, {
        noop_ceiling_64: noop64,
        invitations_64: invitations64,
        invitations_64_api_key: at64.median("invitations by API key"),
        noop_ceiling_256: noop256,
        invitations_256: invitations256,
        breakdown_64: {
          noop_one_hop_per_s: noop64.per_s,
          authorize_only_per_s: authorize64.per_s,
          authorize_only: authorize64,
          invitee_lookup_only_per_s: resolve64.per_s,
          invitee_lookup_only: resolve64,
          invitation_per_s: invitations64.per_s,
        },
      });
      meets.invitations_64_per_s = invitations64.per_s >= targets.invitations_64_per_s_min;
      meets.invitations_64_share = invitations64.share_of_ceiling >= targets.invitations_64_share_of_ceiling_min;
      meets.invitations_64_p99 = invitations64.p99_ratio_vs_noop <= targets.invitations_64_p99_ratio_max;
      meets.invitations_256_share = invitations256.share_of_ceiling >= targets.invitations_256_share_of_ceiling_min;
    }

    if (parts.has("seats")) {
      log("zero overruns: 500 concurrent invitations on 50 seats…");
      const seats = await overruns(api, stack.databaseUrl, ownerCaller);
      const loadSeats = await seatsInDatabase(stack.databaseUrl, org.id);
      report.overruns = { ...seats, load_org_used: loadSeats.members + loadSeats.pending, load_org_limit: loadSeats.limit };
      meets.zero_overruns = seats.overruns === 0 && loadSeats.members + loadSeats.pending <= loadSeats.limit && seats.every_seat_taken;
    }

    if (parts.has("bulk")) {
      log("bulk of 1,000…");
      const bulk1000 = await bulk(api, ownerCaller);
      report.bulk_1000 = bulk1000;
      meets.bulk_1000_under_1s = bulk1000.wall_ms < targets.bulk_1000_ms_max && bulk1000.created === bulk1000.rows;
    }

    if (parts.has("scale")) {
      log(`scale: ${PENDING_LOAD} pending invitations in one room, then ${HOLD_SOCKETS} sockets on one organization…`);
      const held = await scale();
      report.scale = held;
      const everyOneServed = held.sockets_ready === held.sockets_open && held.messages_not_delivered === 0;
      meets.sockets_held = held.sockets_open >= targets.sockets_held_min && everyOneServed;
      // Short of the target only by this machine's open-file limit (sockets_possible_here).
      meets.sockets_held_as_many_as_possible_here = held.sockets_open >= Math.min(targets.sockets_held_min, HOLD_CAPACITY) && everyOneServed;
    }

    report.meets_target = meets;
    return report;
  } finally {
    heapInspector?.close();
    await api.close();
    await stack.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchRoom(), null, 2));
}
