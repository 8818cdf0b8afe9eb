/**
 * Process entry of the libSQL server, run by the supervisor:
 *   node db/server/child.ts --file F --port P [--host H] [--stream-idle-ms N] [--busy-timeout-ms N]
 *     [--statement-timeout-ms N]
 * The auth token comes from env LIBSQL_AUTH_TOKEN. Once listening it prints exactly one line,
 * `{"ready":true,"port":N}`, to stdout. Exits cleanly on SIGTERM/SIGINT, and when the parent that
 * spawned it with an IPC channel goes away (so no orphan servers are left behind).
 */
import { intArg, readArgs } from "./args.ts";
import { startLibsqlServer } from "./server.ts";

const args = readArgs(process.argv.slice(2), ["file", "port", "host", "stream-idle-ms", "busy-timeout-ms", "statement-timeout-ms"]);
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
