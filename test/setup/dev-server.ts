/**
 * Starting and stopping `scripts/dev.ts` from tests: free ports for it, waiting until it
 * answers, stopping its process group. Shared by the e2e setup and the dev-server tests.
 */
import type { ChildProcess } from "node:child_process";
import { createServer } from "node:net";

const startTimeoutMs = 120_000;
const stopGraceMs = 10_000;

/** Waits for `url` to answer 200, failing early if the dev server exits. */
export async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + startTimeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`npm run dev exited (${child.signalCode ?? child.exitCode}) before ${url} answered`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer 200 within ${startTimeoutMs / 1000} s (last: ${last})`);
}

/** SIGTERM to the process group, SIGKILL after a grace period. */
export async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  signalGroup(child.pid, "SIGTERM");
  const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), stopGraceMs).unref());
  if ((await Promise.race([exited, timer])) === "timeout") {
    console.warn(`[test] npm run dev ignored SIGTERM for ${stopGraceMs / 1000} s; killing its process group`);
    signalGroup(child.pid, "SIGKILL");
    await exited;
  }
}

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/** A port P with P+1 and P+2 free too (scripts/dev.ts uses all three on 127.0.0.1). */
export async function freePortTriple(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await listenOnce(0);
    if (port + 2 > 65_535) continue;
    if ((await isFree(port + 1)) && (await isFree(port + 2)) && (await isFree(port))) return port;
  }
  throw new Error("Found no three consecutive free ports on 127.0.0.1");
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      const chosen = typeof address === "object" && address ? address.port : port;
      server.close(() => resolve(chosen));
    });
  });
}

export async function isFree(port: number): Promise<boolean> {
  try {
    await listenOnce(port);
    return true;
  } catch {
    return false;
  }
}
