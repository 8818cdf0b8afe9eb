import { spawn, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

const CHILD = fileURLToPath(new URL("./child.ts", import.meta.url));

/** Options of a supervised server; see startLibsqlServer for the shared ones. */
export interface SuperviseOptions {
  file: string;
  host?: string;
  port?: number;
  authToken?: string;
  log?: (line: string) => void;
  streamIdleMs?: number;
  busyTimeoutMs?: number;
  statementTimeoutMs?: number;
  /**
   * The child kills itself (and is restarted) when its SQL makes no progress for the statement
   * timeout plus this long: its main thread held (a statement compiled or stepped there), or a
   * statement still running past its interrupt. Default 2 s (see watchdog.ts).
   */
  watchdogGraceMs?: number;
  /** A child that does not answer GET /health for this long is killed and restarted. Default 30 s. */
  hangTimeoutMs?: number;
}

/** A supervised server: same URL for its whole life, whatever happens to the process behind it. */
export interface SupervisedServer {
  url: string;
  port: number;
  readonly restarts: number;
  pid(): number | undefined;
  /** For tests: kill the current child (default SIGKILL) to simulate a crash; it is restarted. */
  kill(signal?: NodeJS.Signals): void;
  /** Stops for good and waits until the child has exited. */
  stop(): Promise<void>;
}

/** Crashes within this window count towards a restart storm; past the limit we give up. */
const STORM_WINDOW_MS = 60_000;
const STORM_LIMIT = 20;

/**
 * Runs the server in a child process (`process.execPath db/server/child.ts`) and restarts it,
 * on the same port after a short backoff, whenever it dies unexpectedly: a fault inside the
 * native engine aborts the whole process, so this is what keeps the server up. The child exits
 * by itself if this process dies (IPC disconnect). Resolves once the first child is ready.
 */
export async function superviseLibsqlServer(opts: SuperviseOptions): Promise<SupervisedServer> {
  const log = opts.log ?? (() => undefined);
  const host = opts.host ?? "127.0.0.1";
  let port = opts.port ?? 0;
  let child: ChildProcess | undefined;
  let restarts = 0;
  let stopped = false;
  let ready = false;
  let lastHealthy = Date.now();
  const crashes: number[] = [];

  const start = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const args = [CHILD, "--file", opts.file, "--port", String(port), "--host", host];
      if (opts.streamIdleMs !== undefined) args.push("--stream-idle-ms", String(opts.streamIdleMs));
      if (opts.busyTimeoutMs !== undefined) args.push("--busy-timeout-ms", String(opts.busyTimeoutMs));
      if (opts.statementTimeoutMs !== undefined) args.push("--statement-timeout-ms", String(opts.statementTimeoutMs));
      if (opts.watchdogGraceMs !== undefined) args.push("--watchdog-grace-ms", String(opts.watchdogGraceMs));
      const env = { ...process.env };
      if (opts.authToken) env.LIBSQL_AUTH_TOKEN = opts.authToken;
      else delete env.LIBSQL_AUTH_TOKEN;
      const c = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe", "ipc"], env });
      child = c;
      ready = false;
      const stderrTail: string[] = [];
      createInterface({ input: c.stderr! }).on("line", (line) => {
        stderrTail.push(line);
        if (stderrTail.length > 20) stderrTail.shift();
        log(`[libsql ${c.pid}] ${line}`);
      });
      createInterface({ input: c.stdout! }).on("line", (line) => {
        const msg = readyPort(line);
        if (msg === undefined || ready) return;
        ready = true;
        lastHealthy = Date.now();
        resolve(msg);
      });
      c.on("exit", (code, signal) => {
        if (child === c) child = undefined;
        if (!ready) reject(new Error(`libsql server exited before it was ready (code ${code}, signal ${signal})\n${stderrTail.join("\n")}`));
        if (!stopped && ready) onCrash(code, signal);
        ready = false;
      });
    });

  const onCrash = (code: number | null, signal: NodeJS.Signals | null): void => {
    const now = Date.now();
    crashes.push(now);
    while (crashes.length > 0 && now - crashes[0]! > STORM_WINDOW_MS) crashes.shift();
    if (crashes.length > STORM_LIMIT) {
      log(`libsql server crashed ${crashes.length} times within ${STORM_WINDOW_MS / 1000} s; giving up`);
      return;
    }
    const delay = Math.min(100 * 2 ** Math.max(0, crashes.length - 1), 5_000);
    log(`libsql server died (code ${code}, signal ${signal}); restarting in ${delay} ms`);
    setTimeout(() => void restart(), delay).unref();
  };

  const restart = async (): Promise<void> => {
    if (stopped) return;
    restarts++;
    try {
      await start();
      log(`libsql server restarted on port ${port} (restart ${restarts})`);
    } catch (e) {
      log(`libsql server restart failed: ${e instanceof Error ? e.message : String(e)}`);
      onCrash(null, null);
    }
  };

  const killOnExit = (): void => {
    child?.kill("SIGKILL");
  };
  process.once("exit", killOnExit);

  port = await start();
  const urlHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  const url = `http://${urlHost}:${port}`;

  const hangMs = opts.hangTimeoutMs ?? 30_000;
  const watchdog = setInterval(() => {
    if (!ready || child === undefined) return;
    if (Date.now() - lastHealthy > hangMs) {
      log(`libsql server has not answered for ${hangMs} ms; killing it`);
      child.kill("SIGKILL");
      return;
    }
    probe(urlHost, port, Math.min(hangMs, 5_000)).then((ok) => {
      if (ok) lastHealthy = Date.now();
    });
  }, Math.min(2_000, hangMs / 3));
  watchdog.unref();

  return {
    url,
    port,
    get restarts() {
      return restarts;
    },
    pid: () => child?.pid,
    kill(signal = "SIGKILL") {
      child?.kill(signal);
    },
    async stop() {
      stopped = true;
      clearInterval(watchdog);
      process.off("exit", killOnExit);
      const c = child;
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise<void>((done) => c.once("exit", () => done()));
      c.kill("SIGTERM");
      const timer = setTimeout(() => c.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function readyPort(line: string): number | undefined {
  try {
    const msg: unknown = JSON.parse(line);
    if (typeof msg === "object" && msg !== null && "ready" in msg && "port" in msg && msg.ready === true && typeof msg.port === "number") {
      return msg.port;
    }
  } catch {
    // Not the ready line.
  }
  return undefined;
}

function probe(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: host.replace(/^\[|\]$/g, ""), port, path: "/health", method: "GET", timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}
