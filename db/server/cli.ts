/**
 * `npm run db:serve`: the local libSQL server, supervised (restarted if it dies).
 *   --file  database file (default .data/roster.db, relative to the current directory)
 *   --port  default env DB_PORT, else 8080
 *   --host  default 127.0.0.1
 *   --statement-timeout-ms  a statement running longer is interrupted (default 5000)
 *   --watchdog-grace-ms  see below (default 2000)
 * No request holds the server's SQL much longer than the statement timeout: a statement is
 * interrupted at the timeout, and if its SQL then still makes no progress for the grace (a
 * statement being compiled, or one that does not see the interrupt inside a long function call),
 * the server process kills itself and is restarted here, in well under a second; its in-flight
 * requests fail (the connection is cut) and the next ones are served. So the bound is timeout +
 * grace + restart: about 7.5 s with the defaults.
 * The auth token comes from env LIBSQL_AUTH_TOKEN: set it (clients then send it as
 * DATABASE_AUTH_TOKEN); without it any local process may use the database. Ctrl-C stops it.
 */
import { resolve } from "node:path";
import { intArg, readArgs } from "./args.ts";
import { superviseLibsqlServer } from "./supervisor.ts";

const args = readArgs(process.argv.slice(2), ["file", "port", "host", "statement-timeout-ms", "watchdog-grace-ms"]);
const file = resolve(args.get("file") ?? ".data/roster.db");
const envPort = process.env.DB_PORT ? Number(process.env.DB_PORT) : 8080;
if (!Number.isInteger(envPort) || envPort < 0 || envPort > 65535) throw new Error(`DB_PORT must be a port number, got ${process.env.DB_PORT}`);

const server = await superviseLibsqlServer({
  file,
  host: args.get("host") ?? "127.0.0.1",
  port: intArg(args, "port", envPort),
  authToken: process.env.LIBSQL_AUTH_TOKEN || undefined,
  statementTimeoutMs: intArg(args, "statement-timeout-ms"),
  watchdogGraceMs: intArg(args, "watchdog-grace-ms"),
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`libSQL server on ${server.url} (file ${file})\n`);
if (!process.env.LIBSQL_AUTH_TOKEN) process.stderr.write("warning: LIBSQL_AUTH_TOKEN is not set; any local process can use this database\n");

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  server.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
