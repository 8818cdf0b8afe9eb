/**
 * The room at scale (docs/performance.md, "The room at scale"): organizations of 1,000,
 * 10,000 and 100,000 members and one of 100,000 pending invitations, seeded straight into
 * the database (seed.ts), on one bench stack (stack.ts) with workerd's inspector open.
 *
 *   starts      For each organization, 1 + BENCH_SCALE_STARTS times: workerd restarts
 *               (stack.restartWorker: a new process, every Durable Object instance new, its
 *               storage and the database kept), the isolate warms up on a one-member
 *               organization, then the big organization's first request after its room
 *               starts (`GET /orgs/:org`, its seats: the room answers it), the same
 *               request warm, the isolate's heap after a full collection and workerd's
 *               resident set. The first of them is the room's first start ever (it reads
 *               rows seeded behind its back; the heap is also sampled while it loads), the
 *               others are restarts: the figure the targets judge.
 *   throughput  Single invitations from 64 clients (room.ts's closed loop) into the largest
 *               organization and into a small one, alternating, BENCH_SCALE_ROUNDS rounds
 *               each, the no-op hop before and after; the ratio of their medians, and the
 *               cores busy (by process, and workerd's busiest thread) during the load.
 *   search      Member search at the largest size (members.ts's search mix).
 *   bulk        One bulk of 1,000 invitations into each big organization, after its starts.
 *
 * A failure is a figure too: every request has a timeout (BENCH_SCALE_TIMEOUT_MS), and an
 * answer other than 200 is recorded as `{status, error}` instead of ending the run.
 *
 * Run alone: `node test/bench/scale.ts`, or `npm run bench -- scale`. BENCH_SCALE_SIZES
 * (members, comma-separated; default 1000,10000,100000), BENCH_SCALE_PENDING (default
 * 100,000; 0 leaves it out), BENCH_SCALE_STARTS (restarts per organization, 5),
 * BENCH_SCALE_ROUNDS (throughput rounds, 5), BENCH_SCALE_PARTS (starts, throughput,
 * search, bulk); BENCH_ROOM_MS sets each throughput window, BENCH_MEMBERS_RUNS the
 * search mix's runs.
 */
import { createClient } from "@libsql/client";
import { heapKib, freePort, Inspector, residentKib } from "./inspector.ts";
import { Api, childPids, invitationLoad, load, type Load, type Processes } from "./room.ts";
import { searchMix, type MemberPage } from "./members.ts";
import { countSeeded, seedMembers, seedPendingInvitations, type SeedOrg } from "./seed.ts";
import { startBenchStack } from "./stack.ts";
import type { Caller } from "./api.ts";

const SIZES = (process.env.BENCH_SCALE_SIZES ?? "1000,10000,100000").split(",").map(Number).filter((n) => n > 0).sort((a, b) => a - b);
const PENDING = Number(process.env.BENCH_SCALE_PENDING ?? 100_000);
const STARTS = Number(process.env.BENCH_SCALE_STARTS ?? 5);
const ROUNDS = Number(process.env.BENCH_SCALE_ROUNDS ?? 5);
const TIMEOUT_MS = Number(process.env.BENCH_SCALE_TIMEOUT_MS ?? 30_000);
const CLIENTS = 64;
const WARM_REQUESTS = 5;
const allParts = ["starts", "throughput", "search", "bulk"] as const;
const parts = new Set<string>(process.env.BENCH_SCALE_PARTS ? process.env.BENCH_SCALE_PARTS.split(",").map((p) => p.trim()) : allParts);
for (const part of parts) {
  if (!(allParts as readonly string[]).includes(part)) throw new Error(`BENCH_SCALE_PARTS: unknown part "${part}" (known: ${allParts.join(", ")})`);
}

/** The targets (DESIGN §7), at 100,000 members and at 100,000 pending invitations. */
const targets = {
  first_request_after_start_ms_max: 150,
  isolate_heap_kib_max: 16 * 1024,
  big_org_throughput_ratio_min: 0.9,
  member_search_p99_ms_max: 20,
  workerd_busiest_thread_busy_share_min: 0.9,
};

const runTag = Date.now().toString(36);
const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;
const median = (values: number[]): number | null => (values.length ? [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]! : null);
const withTimeout = <T,>(p: Promise<T>, ms: number): Promise<T | null> => Promise.race([p, new Promise<null>((r) => setTimeout(() => r(null), ms))]);

/** One timed request: its time, and its status and error code unless it answered 200. */
interface Timed {
  ms: number;
  status: number;
  error?: string;
  body?: any;
}

async function timed(api: Api, path: string, who: Caller): Promise<Timed> {
  const t0 = performance.now();
  try {
    const answer = await api.call("GET", path, undefined, who);
    const ms = round(performance.now() - t0);
    if (answer.status === 200) return { ms, status: 200, body: answer.body };
    return { ms, status: answer.status, error: `${answer.status} ${answer.body?.error?.code ?? JSON.stringify(answer.body).slice(0, 200)}` };
  } catch (error) {
    return { ms: round(performance.now() - t0), status: 0, error: `no answer: ${(error as Error).message}` };
  }
}

/** The isolate's largest heap in use (no collection forced) while `during` runs, sampled every ~10 ms. */
async function heapPeakKib<T>(inspector: Inspector | undefined, during: () => Promise<T>): Promise<{ result: T; peakKib: number | null }> {
  if (!inspector) return { result: await during(), peakKib: null };
  let peak = 0;
  let running = true;
  const sampler = (async () => {
    while (running) {
      const usage = await withTimeout(inspector.send<{ usedSize: number }>("Runtime.getHeapUsage"), 2_000);
      if (usage) peak = Math.max(peak, usage.usedSize);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  try {
    return { result: await during(), peakKib: peak ? Math.round(peak / 1024) : null };
  } finally {
    running = false;
    await sampler;
  }
}

export async function benchScale(): Promise<Record<string, unknown>> {
  const log = (line: string): void => console.error(`[bench scale] ${line}`);
  const benchStarted = performance.now();
  const others = new Set(childPids("workerd"));
  const inspectorPort = await freePort();
  const stack = await startBenchStack({ inspectorPort });
  const api = new Api(stack, { timeoutMs: TIMEOUT_MS });
  const db = createClient({ url: stack.databaseUrl });
  let inspector: Inspector | undefined;
  const workerdPids = (): number[] => childPids("workerd").filter((pid) => !others.has(pid));
  const connectInspector = async (): Promise<void> => {
    inspector?.close();
    inspector = (await withTimeout(Inspector.connect(inspectorPort, (t) => /roster-bench/.test(`${t.title} ${t.url}`)), 5_000)) ?? undefined;
  };
  // A request the Worker answers 404: it lets workerd deliver the collection's answer (heapKib).
  const nudge = () => api.call("GET", "/api/bench/nudge");
  const heap = async (): Promise<number | null> => (inspector ? withTimeout(heapKib(inspector, nudge), 10_000) : null);
  try {
    log("signing in, creating and seeding the organizations…");
    const owner = await api.signIn(`scale.${runTag}@bench.example.com`, "192.0.2.50");
    const caller: Caller = { cookie: owner.cookie, address: "192.0.2.51" };
    // The isolate warms up on this one after every restart (it stays at one member).
    const tiny = await api.createOrg(caller, `bench-scale-tiny-${runTag}`, 10);
    // The throughput part's small organization: one member, and the pending invitations
    // its loads leave (the big organization gets as many).
    const small = await api.createOrg(caller, `bench-scale-small-${runTag}`, 100_000);
    // Created through the API (which does not start a room), their seat limit written in
    // the database and their rows seeded before their rooms ever start.
    const create = async (stem: string): Promise<SeedOrg> => {
      const slug = `bench-scale-${stem}-${runTag}`;
      const created = await api.must<{ org: { id: string } }>(201, "POST", "/api/v1/orgs", { name: `Bench ${stem}`, slug }, caller);
      await db.execute({ sql: "UPDATE organizations SET seat_limit = ? WHERE id = ?", args: [10_000_000, created.org.id] });
      return { id: created.org.id, slug, name: `Bench ${stem}` };
    };
    const seeded: Array<{ label: string; org: SeedOrg; members: number; pending: number; seed_ms: number }> = [];
    for (const size of SIZES) {
      const org = await create(`m${size}`);
      log(`seeding ${size} members…`);
      const { ms } = await seedMembers(db, org, size, `${runTag}m${size}`);
      seeded.push({ label: `${size}_members`, org, members: size + 1, pending: 0, seed_ms: ms });
    }
    if (PENDING > 0) {
      const org = await create(`p${PENDING}`);
      log(`seeding ${PENDING} pending invitations…`);
      const { ms } = await seedPendingInvitations(db, org, PENDING, `${runTag}p${PENDING}`, owner.userId);
      seeded.push({ label: `${PENDING}_pending`, org, members: 1, pending: PENDING, seed_ms: ms });
    }
    const rows = Object.fromEntries(await Promise.all(seeded.map(async (s) => [s.label, { seed_ms: s.seed_ms, ...(await countSeeded(db, s.org.id)) }] as const)));

    /** Restart, warm the isolate on the one-member organization, then the big one's first requests. */
    const oneStart = async (org: SeedOrg, expectedUsed: number, samplePeak: boolean) => {
      const restart = await stack.restartWorker();
      await connectInspector();
      for (let i = 0; i < 3; i++) await api.must(200, "GET", `/api/v1/orgs/${tiny.slug}`, undefined, caller);
      const pids = workerdPids();
      const heapBefore = await heap();
      const rssBefore = residentKib(pids);
      const path = `/api/v1/orgs/${org.slug}`;
      const { result: first, peakKib } = samplePeak ? await heapPeakKib(inspector, () => timed(api, path, caller)) : { result: await timed(api, path, caller), peakKib: null };
      const warm: Timed[] = [];
      // A room that failed to start is asked once more, not five times (each may take seconds).
      for (let i = 0; i < (first.error ? 1 : WARM_REQUESTS); i++) warm.push(await timed(api, path, caller));
      const heapAfter = await heap();
      const rssAfter = residentKib(pids);
      const seatsUsed = first.body?.seats?.used as number | undefined;
      return {
        restart_ms: restart.ms,
        first_request_ms: first.ms,
        ...(first.error ? { first_request_error: first.error } : {}),
        warm_request_ms: median(warm.filter((w) => !w.error).map((w) => w.ms)),
        ...(warm.some((w) => w.error) ? { warm_request_errors: warm.filter((w) => w.error).map((w) => w.error) } : {}),
        // `seats.used` as the room answered it: the seeded rows, seen (or not) by the room.
        seats_used_seen: seatsUsed ?? null,
        seats_used_expected: expectedUsed,
        isolate_heap_kib_before: heapBefore,
        isolate_heap_kib_after: heapAfter,
        ...(samplePeak ? { isolate_heap_kib_peak_sampled: peakKib } : {}),
        workerd_rss_kib_before: rssBefore,
        workerd_rss_kib_after: rssAfter,
      };
    };
    const measureStarts = async (entry: (typeof seeded)[number]) => {
      log(`${entry.label}: the room's first start, then ${STARTS} restarts…`);
      const expectedUsed = entry.members + entry.pending;
      const firstEver = await oneStart(entry.org, expectedUsed, true);
      const restarts: Array<Awaited<ReturnType<typeof oneStart>>> = [];
      for (let s = 0; s < STARTS; s++) restarts.push(await oneStart(entry.org, expectedUsed, false));
      const ok = restarts.filter((r) => !r.first_request_error);
      const values = (pick: (r: (typeof restarts)[number]) => number | null): number[] => ok.map(pick).filter((v): v is number => v !== null);
      return {
        members: entry.members,
        pending_invitations: entry.pending,
        // Judged: the median over the restarts that answered (all of them must have).
        first_request_after_start_ms: median(values((r) => r.first_request_ms)),
        first_request_after_start_ms_range: ok.length ? [Math.min(...values((r) => r.first_request_ms)), Math.max(...values((r) => r.first_request_ms))] : null,
        warm_request_ms: median(values((r) => r.warm_request_ms)),
        isolate_heap_kib_after: median(values((r) => r.isolate_heap_kib_after)),
        isolate_heap_growth_kib: median(values((r) => (r.isolate_heap_kib_after !== null && r.isolate_heap_kib_before !== null ? r.isolate_heap_kib_after - r.isolate_heap_kib_before : null))),
        workerd_rss_kib_after: median(values((r) => r.workerd_rss_kib_after)),
        workerd_rss_growth_kib: median(values((r) => r.workerd_rss_kib_after - r.workerd_rss_kib_before)),
        restarts_failed: restarts.length - ok.length,
        room_sees_every_seeded_row: [firstEver, ...restarts].every((r) => r.seats_used_seen === expectedUsed),
        first_start_ever: firstEver,
        restarts,
      };
    };

    const report: Record<string, unknown> = {
      setup: {
        server: "bench build (test/bench/wrangler.toml, minified) on Miniflare directly, workerd's inspector open; libSQL db/server supervised, temp file",
        sizes_members: SIZES,
        pending_invitations: PENDING,
        starts_each: `1 first start + ${STARTS} restarts`,
        start: "workerd restarted (Miniflare setOptions: a new process, Durable Object storage kept), the isolate warmed on a one-member organization (3 × GET /orgs/:tiny), then GET /orgs/:org timed from this client",
        request_timeout_ms: TIMEOUT_MS,
        parts: [...parts],
        stack_start_ms: stack.timings,
      },
      targets,
      rows,
    };
    const meets: Record<string, unknown> = {};
    const byLabel = new Map(seeded.map((s) => [s.label, s]));
    const largest = SIZES.length ? byLabel.get(`${SIZES[SIZES.length - 1]}_members`)! : undefined;
    const pendingEntry = PENDING > 0 ? byLabel.get(`${PENDING}_pending`) : undefined;
    const starts: Record<string, Awaited<ReturnType<typeof measureStarts>>> = {};
    const judgeStarts = (label: string): void => {
      const s = starts[label];
      if (!s) return;
      const answered = s.restarts_failed === 0 && s.first_request_after_start_ms !== null;
      (meets.first_request_after_start as Record<string, boolean>)[label] = answered && s.first_request_after_start_ms! < targets.first_request_after_start_ms_max;
      (meets.isolate_heap as Record<string, boolean>)[label] = answered && s.isolate_heap_kib_after !== null && s.isolate_heap_kib_after < targets.isolate_heap_kib_max;
    };
    if (parts.has("starts")) {
      meets.first_request_after_start = {};
      meets.isolate_heap = {};
      for (const entry of seeded) {
        if (entry === pendingEntry) continue;
        starts[entry.label] = await measureStarts(entry);
        judgeStarts(entry.label);
      }
      report.starts = starts;
    }

    if (parts.has("throughput") && largest) {
      log(`throughput: ${CLIENTS} clients, ${largest.label} beside a small organization, ${ROUNDS} rounds…`);
      // No DevTools connection during the loads (room.ts's loads run without one).
      inspector?.close();
      inspector = undefined;
      const processes: Processes = { workerd: workerdPids(), db: () => stack.databasePid() };
      const noop = (): Promise<Load> =>
        load(CLIENTS, processes, (i) => api.call("POST", `/api/bench/noop/${small.id}`, { invitee: `noop-${i}.${runTag}@bench.example.com` }, caller).then((r) => r.status), (s) => s === 200);
      const invite = (org: { id: string; slug: string }) => invitationLoad(api, processes, org, caller, CLIENTS, stack.databaseUrl);
      // Unmeasured: both rooms and both paths run under load once (JIT, heaps).
      const warmup = { small: (await invite(small)).per_s, big: (await invite(largest.org)).per_s };
      const noops = [await noop()];
      const rounds: Array<{ small: Awaited<ReturnType<typeof invite>>; big: Awaited<ReturnType<typeof invite>> }> = [];
      for (let r = 0; r < ROUNDS; r++) {
        log(`round ${r + 1}/${ROUNDS}…`);
        // Alternating which goes first, so that drift on the shared machine hits both alike.
        if (r % 2 === 0) {
          const s = await invite(small);
          rounds.push({ small: s, big: await invite(largest.org) });
        } else {
          const b = await invite(largest.org);
          rounds.push({ small: await invite(small), big: b });
        }
      }
      noops.push(await noop());
      const medianRound = (pick: "small" | "big") => [...rounds].sort((a, b) => a[pick].per_s - b[pick].per_s)[Math.floor((rounds.length - 1) / 2)]![pick];
      const smallMedian = medianRound("small");
      const bigMedian = medianRound("big");
      const ratio = round(bigMedian.per_s / Math.max(1, smallMedian.per_s), 2);
      const noopPerS = Math.round(noops.reduce((a, n) => a + n.per_s, 0) / noops.length);
      const cores = (m: Load) => ({
        total: m.cpu.cores_busy_total,
        workerd: m.cpu.cores_busy_workerd,
        db_server: m.cpu.cores_busy_db_server,
        load_generator: m.cpu.cores_busy_load_generator,
        // Others' work on the shared machine is the difference.
        machine: m.cpu.cores_busy_machine,
        workerd_busiest_thread_busy_share: m.cpu.workerd_busiest_thread_busy_share,
      });
      report.throughput = {
        clients: CLIENTS,
        big_org: { label: largest.label, ...bigMedian, share_of_noop: round(bigMedian.per_s / noopPerS, 2) },
        small_org: { label: "1 member", ...smallMedian, share_of_noop: round(smallMedian.per_s / noopPerS, 2) },
        big_over_small: ratio,
        ratio_by_round: rounds.map((r) => round(r.big.per_s / Math.max(1, r.small.per_s), 2)),
        per_s_by_round: rounds.map((r) => ({ small: r.small.per_s, big: r.big.per_s })),
        noop_64_per_s: noopPerS,
        noop_runs: noops.map((n) => ({ per_s: n.per_s, p99_ms: n.p99_ms })),
        cores_busy_during_big_org_load: cores(bigMedian),
        cores_busy_during_small_org_load: cores(smallMedian),
        warmup_per_s: warmup,
      };
      meets.big_org_throughput_within_10_percent = ratio >= targets.big_org_throughput_ratio_min && bigMedian.errors === 0;
      const busiest = bigMedian.cpu.workerd_busiest_thread_busy_share;
      meets.workerd_thread_saturated_during_big_org_load = busiest !== null && busiest >= targets.workerd_busiest_thread_busy_share_min;
    }

    if (parts.has("search") && largest) {
      log(`member search mix at ${largest.label}…`);
      const get = (query: string) => api.must<MemberPage>(200, "GET", `/api/v1/orgs/${largest.org.slug}/members?${query}`, undefined, caller);
      const mix = await searchMix(get);
      report.member_search = { members: largest.members, ...mix };
      meets.member_search_p99 = mix.p99_ms < targets.member_search_p99_ms_max;
    }

    // Last: a room that cannot start must not disturb the measures above.
    if (parts.has("starts") && pendingEntry) {
      starts[pendingEntry.label] = await measureStarts(pendingEntry);
      judgeStarts(pendingEntry.label);
    }

    if (parts.has("bulk")) {
      const bulks: Record<string, unknown> = {};
      for (const entry of [largest, pendingEntry]) {
        if (!entry) continue;
        log(`a bulk of 1,000 into ${entry.label}…`);
        const invitations = Array.from({ length: 1_000 }, (_, i) => ({ invitee: `bulk.${i}.${entry.label}.${runTag}@bench.example.com` }));
        const t0 = performance.now();
        try {
          const answer = await api.call<any>("POST", `/api/v1/orgs/${entry.org.slug}/invitations/bulk`, { invitations }, caller);
          const ms = Math.round(performance.now() - t0);
          bulks[entry.label] = answer.status === 200 ? { wall_ms: ms, created: answer.body.created, failed: answer.body.failed } : { wall_ms: ms, error: `${answer.status} ${answer.body?.error?.code ?? ""}` };
        } catch (error) {
          bulks[entry.label] = { wall_ms: Math.round(performance.now() - t0), error: `no answer: ${(error as Error).message}` };
        }
      }
      report.bulk_1000 = bulks;
    }

    // The figures the targets judge, in one place (the details are above).
    const throughput = report.throughput as { big_over_small: number; cores_busy_during_big_org_load: unknown } | undefined;
    report.summary = {
      first_request_after_start_ms: Object.fromEntries(Object.entries(starts).map(([label, s]) => [label, s.restarts_failed ? s.restarts.find((r) => r.first_request_error)?.first_request_error : s.first_request_after_start_ms])),
      warm_request_ms: Object.fromEntries(Object.entries(starts).map(([label, s]) => [label, s.warm_request_ms])),
      isolate_heap_kib_after: Object.fromEntries(Object.entries(starts).map(([label, s]) => [label, s.isolate_heap_kib_after])),
      workerd_rss_kib_after: Object.fromEntries(Object.entries(starts).map(([label, s]) => [label, s.workerd_rss_kib_after])),
      throughput_big_over_small: throughput?.big_over_small ?? null,
      cores_busy_during_big_org_load: throughput?.cores_busy_during_big_org_load ?? null,
      member_search_p99_ms: (report.member_search as { p99_ms: number } | undefined)?.p99_ms ?? null,
    };
    report.meets_target = meets;
    report.wall_s = round((performance.now() - benchStarted) / 1000);
    return report;
  } finally {
    inspector?.close();
    db.close();
    await api.close();
    await stack.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchScale(), null, 2));
}
