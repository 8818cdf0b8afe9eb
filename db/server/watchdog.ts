import { Worker } from "node:worker_threads";

/** How much longer than the statement deadline the server may go without progress, by default. */
export const DEFAULT_WATCHDOG_GRACE_MS = 2_000;

/**
 * What the watchdog reads, shared with its thread: [0] the main thread's heartbeat, a counter it
 * moves on a timer, so it stops when the thread is held (a statement compiled or stepped there,
 * any long synchronous work); [1] statement steps running on the binding's thread pool (see
 * engine.ts); [2] how many such steps began or ended, so it stops moving while one is stuck.
 * Module state, so that engine.ts can count steps whether or not a watchdog runs (an in-process
 * server has none: see child.ts).
 */
const shared = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));

/** A statement step begins on the binding's thread pool. */
export function offThreadBegan(): void {
  Atomics.add(shared, 1, 1);
  Atomics.add(shared, 2, 1);
}

/** A statement step on the binding's thread pool has ended (with a row, the end, or an error). */
export function offThreadEnded(): void {
  Atomics.sub(shared, 1, 1);
  Atomics.add(shared, 2, 1);
}

// The watchdog's thread. It needs nothing of the server (no engine, no modules of this
// repository), only the shared counters, the clock and kill(2), so nothing the main thread or the
// engine holds can block it.
const WATCHDOG_SOURCE = `
const { workerData } = require("node:worker_threads");
const { writeSync } = require("node:fs");
const s = new Int32Array(workerData.buffer);
const limit = workerData.limitMs;
let beat = Atomics.load(s, 0);
let beatAt = performance.now();
let moves = Atomics.load(s, 2);
let movedAt = beatAt;
setInterval(() => {
  const now = performance.now();
  const b = Atomics.load(s, 0);
  if (b !== beat) { beat = b; beatAt = now; }
  const m = Atomics.load(s, 2);
  if (m !== moves) { moves = m; movedAt = now; }
  let why;
  if (now - beatAt > limit) why = "the main thread has been held for " + Math.round(now - beatAt) + " ms";
  else if (Atomics.load(s, 1) > 0 && now - movedAt > limit) why = "a statement has run for " + Math.round(now - movedAt) + " ms, past its interrupt";
  if (why === undefined) return;
  try { writeSync(2, "libsql server watchdog: " + why + " (limit " + limit + " ms); killing the process so that its supervisor restarts it\\n"); } catch {}
  process.kill(process.pid, "SIGKILL");
}, workerData.tickMs);
`;

/** A running watchdog. */
export interface Watchdog {
  stop(): Promise<void>;
}

/**
 * Starts the watchdog of a server process: a thread of its own that kills the whole process
 * (SIGKILL, so the supervisor restarts it and every in-flight request fails at once instead of
 * hanging) when, for longer than `limitMs`, the main thread has not run (a statement compiled or
 * stepped there cannot be interrupted: the interrupt is raised from this thread), or a statement
 * step on the binding's thread pool has run without ending (an interrupt is only seen between the
 * engine's instructions, not inside one long function call). Only for a process that is nothing
 * but the server (child.ts): it kills whatever else runs in it.
 */
export function startWatchdog(limitMs: number): Watchdog {
  const tickMs = Math.max(10, Math.min(100, Math.floor(limitMs / 10)));
  const beat = setInterval(() => Atomics.add(shared, 0, 1), tickMs);
  beat.unref();
  const worker = new Worker(WATCHDOG_SOURCE, { eval: true, workerData: { buffer: shared.buffer, limitMs, tickMs } });
  worker.unref();
  return {
    async stop() {
      clearInterval(beat);
      await worker.terminate();
    },
  };
}
