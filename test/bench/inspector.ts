/**
 * workerd's DevTools inspector, for the benches: a free loopback port to open it on, and a
 * minimal DevTools protocol client over Node's WebSocket (CPU profiles, heap figures).
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A minimal DevTools protocol client over Node's WebSocket. */
export class Inspector {
  #ws: WebSocket;
  #next = 1;
  #pending = new Map<number, (v: any) => void>();
  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.addEventListener("message", (e) => {
      const msg = JSON.parse(String(e.data)) as { id?: number; result?: unknown; error?: unknown };
      if (msg.id && this.#pending.has(msg.id)) {
        this.#pending.get(msg.id)!(msg.error ? Promise.reject(new Error(JSON.stringify(msg.error))) : msg.result);
        this.#pending.delete(msg.id);
      }
    });
  }
  static async connect(port: number, match: (t: { title: string; url: string }) => boolean): Promise<Inspector> {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ title: string; url: string; webSocketDebuggerUrl: string }>;
    const target = targets.find(match) ?? targets[0];
    if (!target) throw new Error("no inspector target");
    const ws = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      ws.addEventListener("open", resolve, { once: true });
      ws.addEventListener("error", reject, { once: true });
    });
    return new Inspector(ws);
  }
  send<T = any>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve) => {
      this.#pending.set(id, resolve);
      this.#ws.send(JSON.stringify({ id, method, params }));
    });
  }
  close(): void {
    this.#ws.close();
  }
}

/** workerd's resident memory, in KiB (every workerd process of this run). */
export function residentKib(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return total;
}

/**
 * The Worker isolate's JS heap after a full collection, in KiB (rooms share the isolate).
 * workerd answers the collection only when the isolate next runs a task: on an idle isolate,
 * pass `nudge` (a cheap request to the Worker), sent every 200 ms until the answer comes.
 */
export async function heapKib(inspector: Inspector, nudge?: () => Promise<unknown>): Promise<number> {
  const collected = inspector.send("HeapProfiler.collectGarbage").then(() => true);
  while (nudge && !(await Promise.race([collected, new Promise<false>((r) => setTimeout(() => r(false), 200))]))) await nudge();
  await collected;
  const usage = await inspector.send<{ usedSize: number }>("Runtime.getHeapUsage");
  return Math.round(usage.usedSize / 1024);
}
