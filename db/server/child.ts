/**
 * Process entry of the libSQL server, run by the supervisor:
 *   node db/server/child.ts --file F --port P [--host H] [--stream-idle-ms N] [--busy-timeout-ms N]
 *     [--statement-timeout-ms N] [--watchdog-grace-ms N]
 * The auth token comes from env LIBSQL_AUTH_TOKEN. Once listening it prints exactly one line,
 * `{"ready":true,"port":N}`, to stdout. Exits cleanly on SIGTERM/SIGINT, and when the parent that
 * spawned it with an IPC channel goes away (so no orphan servers are left behind). Killed by its
 * own watchdog (watchdog.ts) when its SQL makes no progress for the statement timeout plus the
 * grace: the supervisor then restarts it.
 */
import { intArg, readArgs } from "./args.ts";
import { DEFAULT_STATEMENT_TIMEOUT_MS, startLibsqlServer } from "./server.ts";
import { DEFAULT_WATCHDOG_GRACE_MS, startWatchdog } from "./watchdog.ts";

const args = readArgs(process.argv.slice(2), ["file", "port", "host", "stream-idle-ms", "busy-timeout-ms", "statement-timeout-ms", "watchdog-grace-ms"]);
const file = args.get("file");
if (file === undefined) {
  process.stderr.write("child.ts: --file is required\n");
  process.exit(2);
}

const server = await startLibsqlServer({
  file,
  host: args.get("host") ?? "127.0.0.1",
  port: intArg(args, "port", 0),
  authToken: process.env.LIBSQL_AUTH_TOKEN || undefined,
  streamIdleMs: intArg(args, "stream-idle-ms"),
  busyTimeoutMs: intArg(args, "busy-timeout-ms"),
  statementTimeoutMs: intArg(args, "statement-timeout-ms"),
  log: (line) => process.stderr.write(`${line}\n`),
});
// Started once serving: opening a large database (WAL recovery) may legitimately take longer.
startWatchdog(intArg(args, "statement-timeout-ms", DEFAULT_STATEMENT_TIMEOUT_MS) + intArg(args, "watchdog-grace-ms", DEFAULT_WATCHDOG_GRACE_MS));

let stopping = false;
function stop(code: number): void {
  if (stopping) return;
  stopping = true;
  // A stuck close must not keep the process around.
  setTimeout(() => process.exit(code), 3000).unref();
  server.close().then(
    () => process.exit(code),
    () => process.exit(code),
  );
}
process.on("SIGTERM", () => stop(0));
process.on("SIGINT", () => stop(0));
if (process.send !== undefined) {
  process.on("disconnect", () => stop(0));
  process.channel?.unref();
}

process.stdout.write(`${JSON.stringify({ ready: true, port: server.port })}\n`);
