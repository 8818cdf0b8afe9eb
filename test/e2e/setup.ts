import { spawn } from "node:child_process";
import { testWebhookSecret } from "../support/webhooks.ts";
import { mkdirSync, openSync, readFileSync, closeSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { freePortTriple, stopGroup, waitForHealth } from "../setup/dev-server.ts";
import { resolveChromium, type ChromiumInstall } from "./support/chromium-path.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Where the dashboard and the API answer, e.g. `http://localhost:41234`. */
    appUrl: string;
    /** A directory outside the repository for screenshots; kept after the run. */
    artifactsDir: string;
    /** The Chromium every browser test launches, found (and unpacked) once per run. */
    chromium: ChromiumInstall;
    /**
     * The run's local libSQL server, for a test to arrange what the API cannot (an
     * invitation already past due). Tests act through the API and the browser otherwise.
     */
    database: { url: string; authToken: string };
  }
}

const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Finds Chromium (see chromium-path.ts), then starts `node scripts/dev.ts` (libSQL server,
 * Worker in workerd, Vite) on free ports with a fresh data directory, and stops its whole
 * process group afterwards.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Here rather than in each worker, so that parallel workers never unpack it at once.
  const chromium = await resolveChromium();
  console.log(`Browser tests use ${chromium.version} (${chromium.source}: ${chromium.executablePath})`);
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
  // Delivery webhooks are verified with the tests' secret (test/support/webhooks.ts).
  env.RESEND_WEBHOOK_SECRET = testWebhookSecret;
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
  project.provide("chromium", chromium);
  project.provide("database", { url: `http://127.0.0.1:${port + 2}`, authToken: readFileSync(join(dataDir, "database-token"), "utf8").trim() });
  return stop;
}
