import { mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, resolve } from "node:path";
import { Conn, Pool } from "./conn.ts";
import { createHandler, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_RESPONSE_BYTES } from "./http.ts";
import { DEFAULT_STREAM_IDLE_MS, StreamRegistry } from "./streams.ts";

/** Default wait for another connection's write lock before failing with SQLITE_BUSY. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/** Default limit on one statement's run time; past it the statement is interrupted (SQLITE_INTERRUPT). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 5_000;

/** Options of the local libSQL server. Only `file` is required. */
export interface LibsqlServerOptions {
  file: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) = any free port. */
  port?: number;
  /** If set, pipeline and cursor requests need `Authorization: Bearer <token>`. `npm run dev` always sets one. */
  authToken?: string;
  log?: (line: string) => void;
  /** An unused stream (baton) expires after this long; its transaction rolls back. Default 10 s. */
  streamIdleMs?: number;
  /** How long a statement waits for another transaction's lock. Default 5 s. */
  busyTimeoutMs?: number;
  /** A statement running longer is interrupted and fails with SQLITE_INTERRUPT. Default 5 s. */
  statementTimeoutMs?: number;
  /** Request body limit (413 above it). Default 10 MiB. */
  maxBodyBytes?: number;
}

/** A running server. */
export interface LibsqlServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts an in-process libSQL HTTP server ("Hrana over HTTP" v2 and v3, JSON) on a database file,
 * creating the file's directory if needed. The file is put in WAL mode so committed data survives
 * a crash of the process.
 */
export async function startLibsqlServer(opts: LibsqlServerOptions): Promise<LibsqlServer> {
  const file = resolve(opts.file);
  mkdirSync(dirname(file), { recursive: true });
  const setup = new Conn(file);
  try {
    setup.db.exec("PRAGMA journal_mode=WAL");
  } finally {
    setup.close();
  }
  const log = opts.log ?? (() => undefined);
  const pool = new Pool(file);
  const registry = new StreamRegistry(pool, opts.streamIdleMs ?? DEFAULT_STREAM_IDLE_MS);
  const server = createServer(
    createHandler({
      registry,
      authToken: opts.authToken,
      maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
      busyTimeoutMs: opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
      statementTimeoutMs: opts.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
      listenHost: opts.host ?? "127.0.0.1",
      log,
    }),
  );
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", fail);
      ok();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("libsql server: no TCP address");
  const port = address.port;
  const urlHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  log(`libsql server listening on http://${urlHost}:${port} (file ${file})`);
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }).then(() => {
        registry.closeAll();
        pool.closeAll();
      });
      return closing;
    },
  };
}
