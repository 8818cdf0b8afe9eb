import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, closeSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { chromiumPath } from "./support/chromium-path.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Where the dashboard and the API answer, e.g. `http://localhost:41234`. */
    appUrl: string;
    /** A directory outside the repository for screenshots; kept after the run. */
    artifactsDir: string;
  }
}

const root = fileURLToPath(new URL("../..", import.meta.url));
const startTimeoutMs = 120_000;
const stopGraceMs = 10_000;

/**
 * Starts `node scripts/dev.ts` (libSQL server, Worker in workerd, Vite) on free ports with
 * a fresh data directory, and stops its whole process group afterwards.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  requireChromium();
  const port = await freePortTriple();
  const dataDir = await mkdtemp(join(tmpdir(), "roster-e2e-"));
  const artifactsDir = process.env.ROSTER_E2E_ARTIFACTS ?? join(tmpdir(), "roster-e2e-artifacts");
  mkdirSync(artifactsDir, { recursive: true });
  const logFile = join(dataDir, "dev.log");
  const log = openSync(logFile, "a");

  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), ROSTER_DATA_DIR: dataDir };
  // Everything must be local: no real mail, no outside database, the ports chosen here.
  for (const key of ["RESEND_API_KEY", "RESEND_BASE_URL", "DATABASE_URL", "DATABASE_AUTH_TOKEN", "APP_URL", "WORKER_PORT", "DB_PORT"]) {
    delete env[key];
  }
  const child = spawn(process.execPath, ["scripts/dev.ts"], { cwd: root, env, detached: true, stdio: ["ignore", log, log] });
  closeSync(log);

  const appUrl = `http://localhost:${port}`;
  const stop = async () => {
    await stopGroup(child);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(`${appUrl}/api/health`, child);
    // Let Vite transform the dashboard once before the first browser asks for it.
    await fetch(`${appUrl}/`).then((r) => r.text());
    await fetch(`${appUrl}/src/main.tsx`).then((r) => r.text());
  } catch (error) {
    const tail = readFileSync(logFile, "utf8").split("\n").slice(-40).join("\n");
    await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- npm run dev said ---\n${tail}`);
  }
  project.provide("appUrl", appUrl);
  project.provide("artifactsDir", artifactsDir);
  return stop;
}

function requireChromium(): void {
  if (existsSync(chromiumPath)) return;
  const fix = "apt-get update && apt-get install -y chromium";
  if (process.env.CI) {
    throw new Error(`CI has no Chromium at ${chromiumPath}: the CI script must install Debian's package (${fix}).`);
  }
  console.error(
    [
      "",
      "!".repeat(78),
      `!!  The browser tests need Debian's Chromium at ${chromiumPath}, and it is missing.`,
      `!!  Install it with:  ${fix}`,
      "!!  (Never playwright's own browser download.)",
      "!".repeat(78),
      "",
    ].join("\n"),
  );
  throw new Error(`Chromium is missing at ${chromiumPath}; install it with \`${fix}\`. The e2e tests did not run.`);
}

/** Waits for `url` to answer 200, failing early if the dev server exits. */
async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
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
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  signalGroup(child.pid, "SIGTERM");
  const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), stopGraceMs).unref());
  if ((await Promise.race([exited, timer])) === "timeout") {
    console.warn(`[e2e] npm run dev ignored SIGTERM for ${stopGraceMs / 1000} s; killing its process group`);
    signalGroup(child.pid, "SIGKILL");
    await exited;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/** A port P with P+1 and P+2 free too (scripts/dev.ts uses all three on 127.0.0.1). */
async function freePortTriple(): Promise<number> {
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

async function isFree(port: number): Promise<boolean> {
  try {
    await listenOnce(port);
    return true;
  } catch {
    return false;
  }
}
