/**
 * `npm run db:serve`: the local libSQL server, supervised (restarted if it dies).
 *   --file  database file (default .data/roster.db, relative to the current directory)
 *   --port  default env DB_PORT, else 8080
 *   --host  default 127.0.0.1
 * The auth token, if any, comes from env LIBSQL_AUTH_TOKEN. Ctrl-C stops it.
 */
import { resolve } from "node:path";
import { intArg, readArgs } from "./args.ts";
import { superviseLibsqlServer } from "./supervisor.ts";

const args = readArgs(process.argv.slice(2), ["file", "port", "host"]);
const file = resolve(args.get("file") ?? ".data/roster.db");
const envPort = process.env.DB_PORT ? Number(process.env.DB_PORT) : 8080;
if (!Number.isInteger(envPort) || envPort < 0 || envPort > 65535) throw new Error(`DB_PORT must be a port number, got ${process.env.DB_PORT}`);

const server = await superviseLibsqlServer({
  file,
  host: args.get("host") ?? "127.0.0.1",
  port: intArg(args, "port", envPort),
  authToken: process.env.LIBSQL_AUTH_TOKEN || undefined,
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`libSQL server on ${server.url} (file ${file})\n`);

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
