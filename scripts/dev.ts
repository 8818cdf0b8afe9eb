/**
 * `npm run dev`: the whole of Roster on this machine, with no account anywhere.
 *
 *   local libSQL server (db/server, supervised)  127.0.0.1:DB_PORT   (PORT + 2)
 *   Worker + Durable Objects in workerd          127.0.0.1:WORKER_PORT (PORT + 1)
 *   dashboard (Vite, hot reload), /api proxied   http://localhost:PORT  <- open this
 *
 * With DATABASE_URL set (e.g. `turso dev` or a Turso database) the local server is not
 * started. Ctrl-C stops everything it started, and so does stopping `npm run dev` with a
 * signal to npm (SIGTERM) or closing its terminal; data stays in .data/.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createServer, type ViteDevServer } from "vite";
import { migrateDatabase } from "../db/migrate.ts";
import { superviseLibsqlServer } from "../db/server/supervisor.ts";
import { dataDir, localDatabaseToken, localSessionSecret, requireNode22, waitForHttp } from "./local-settings.ts";

requireNode22();

const port = Number(process.env.PORT ?? 8787);
const workerPort = Number(process.env.WORKER_PORT ?? port + 1);
const dbPort = Number(process.env.DB_PORT ?? port + 2);
const appUrl = process.env.APP_URL ?? `http://localhost:${port}`;
const startedAt = performance.now();

// Everything this starts writes files only its user can read: the database (sign-in links sit
// in it and its WAL), the Worker's storage and settings. .data/ itself is closed to others.
process.umask(0o077);
mkdirSync(dataDir, { recursive: true, mode: 0o700 });
chmodSync(dataDir, 0o700);
// wrangler.toml serves the built dashboard as assets; in dev Vite serves it instead.
mkdirSync(join(process.cwd(), "dist", "web"), { recursive: true });

const stops: Array<() => Promise<void> | void> = [];
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        console.error("[dev] while stopping:", error);
      }
    }
  }
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));
// A closed terminal: without a handler Node would exit at once and leave workerd (in a
// process group of its own) running.
process.on("SIGHUP", () => void shutdown(0));
// `npm run dev` runs this under `sh -c`. A SIGTERM to npm (an IDE's stop button, a process
// manager) ends npm and the shell but not this process, which would keep its ports: it
// stops when the process that started it is gone.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) void shutdown(0);
}, 1000).unref();

async function startDatabase(): Promise<{ url: string; authToken?: string }> {
  if (process.env.DATABASE_URL) {
    console.log(`[dev] using DATABASE_URL=${process.env.DATABASE_URL}`);
    return { url: process.env.DATABASE_URL, authToken: process.env.DATABASE_AUTH_TOKEN };
  }
  // A token even on loopback: any local process or browser page could otherwise use the database.
  const authToken = localDatabaseToken();
  const server = await superviseLibsqlServer({
    file: join(dataDir, "roster.db"),
    port: dbPort,
    authToken,
    log: (line) => console.log(`[db] ${line}`),
  });
  stops.push(() => server.stop());
  console.log(`[dev] libSQL server on ${server.url} (${join(dataDir, "roster.db")}; token in ${join(dataDir, "database-token")})`);
  return { url: server.url, authToken };
}

function startWorker(database: { url: string; authToken?: string }): ChildProcess {
  const wrangler = join(dirname(createRequire(import.meta.url).resolve("wrangler/package.json")), "bin", "wrangler.js");
  const vars: Record<string, string> = {
    DATABASE_URL: database.url,
    SESSION_SECRET: localSessionSecret(),
    ROSTER_LOCAL_DEV: "1",
    APP_URL: appUrl,
  };
  if (database.authToken) vars.DATABASE_AUTH_TOKEN = database.authToken;
  for (const key of ["RESEND_API_KEY", "RESEND_BASE_URL", "RESEND_WEBHOOK_SECRET", "EMAIL_FROM"]) {
    const value = process.env[key];
    if (value) vars[key] = value;
  }
  // The Worker's settings go through a file only this user can read, never the command line,
  // which every local user can see (`ps`, /proc/<pid>/cmdline).
  const envFile = join(dataDir, "worker.env");
  writeFileSync(envFile, Object.entries(vars).map(([key, value]) => `${key}=${JSON.stringify(value)}\n`).join(""), { mode: 0o600 });
  chmodSync(envFile, 0o600);
  const args = [
    wrangler, "dev",
    "--ip", "127.0.0.1",
    "--port", String(workerPort),
    "--persist-to", join(dataDir, "wrangler"),
    "--show-interactive-dev-session=false",
    "--env-file", envFile,
  ];
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "inherit", "inherit"],
    detached: true, // its own process group, so Ctrl-C here stops workerd too
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
  });
  child.on("exit", (code, signal) => {
    if (stopping) return;
    console.error(`[dev] the Worker stopped (${signal ?? `exit ${code}`}); stopping everything.`);
    void shutdown(1);
  });
  stops.push(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.pid === undefined) return resolve();
        child.once("exit", () => resolve());
        process.kill(-child.pid, "SIGTERM");
        setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(-child.pid, "SIGKILL"), 5000).unref();
      }),
  );
  return child;
}

async function startDashboard(): Promise<ViteDevServer> {
  const vite = await createServer({
    configFile: join(process.cwd(), "web", "vite.config.ts"),
    server: {
      host: "127.0.0.1",
      port,
      strictPort: true,
      proxy: { "/api": { target: `http://127.0.0.1:${workerPort}`, ws: true } },
    },
  });
  await vite.listen();
  stops.push(() => vite.close());
  return vite;
}

try {
  const database = await startDatabase();
  await migrateDatabase(database);
  console.log("[dev] migrations applied");
  startWorker(database);
  await waitForHttp(`http://127.0.0.1:${workerPort}/api/health`, 90_000);
  await startDashboard();
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  console.log(`\n  Roster is running on ${appUrl}  (ready in ${seconds} s; Ctrl-C stops it)\n`);
} catch (error) {
  console.error("[dev] failed to start:", error);
  await shutdown(1);
}
