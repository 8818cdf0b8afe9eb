import { createClient, type Client } from "@libsql/client/web";
import type { LibSQLDatabase } from "drizzle-orm/libsql";
import { drizzle } from "drizzle-orm/libsql/web";
import type { Bindings } from "../env.ts";
import { databaseUnavailable } from "./database-errors.ts";

export type Database = LibSQLDatabase & { $client: Client };

/**
 * A drizzle database over libSQL's HTTP protocol. A client is a few plain objects (it
 * opens no connection until a call), so each caller gets its own: a client shared across
 * requests keeps per-request I/O state inside, and workerd refuses I/O across request
 * contexts — a Durable Object serving many requests at once hits exactly that.
 */
function open(env: Bindings): Database {
  const url = env.DATABASE_URL;
  if (!url) throw databaseUnavailable("The database is not configured (DATABASE_URL).");
  // No client-side request queue (`concurrency: 0`): a queued call would start from another
  // call's callback, in that call's request context.
  const client = createClient({ url, authToken: env.DATABASE_AUTH_TOKEN, concurrency: 0 });
  // No `schema`: the relational query API is not used, and building its config from the
  // schema on every call would cost more than the whole client.
  return drizzle(client);
}

/**
 * The database that holds an organization's data: members, invitations, audit trail.
 * Today every organization lives in the same database; this function is the seam where
 * sharding by organization goes (the sharding seam, docs/architecture.md), so org-scoped code never asks for any other.
 */
export function orgDatabase(env: Bindings, _orgId: string): Database {
  return open(env);
}

/**
 * The database that holds user-scoped data: users, sessions, the index of a user's
 * memberships. The other side of the seam from {@link orgDatabase}.
 */
export function userDatabase(env: Bindings): Database {
  return open(env);
}
