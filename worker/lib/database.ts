import { createClient, type Client } from "@libsql/client/web";
import type { LibSQLDatabase } from "drizzle-orm/libsql";
import { drizzle } from "drizzle-orm/libsql/web";
import * as schema from "../../db/schema/index.ts";
import type { Bindings } from "../env.ts";
import { AppError } from "../errors.ts";

export type Database = LibSQLDatabase<typeof schema> & { $client: Client };

// One client per isolate and URL: the HTTP client holds no connection between calls, so
// sharing it across requests costs nothing and saves re-creating it on the hot path.
const cache = new Map<string, Database>();

function open(env: Bindings): Database {
  const url = env.DATABASE_URL;
  if (!url) throw new AppError("database_unavailable", "The database is not configured (DATABASE_URL).");
  const key = `${url}\n${env.DATABASE_AUTH_TOKEN ?? ""}`;
  let db = cache.get(key);
  if (!db) {
    const client = createClient({ url, authToken: env.DATABASE_AUTH_TOKEN });
    db = drizzle(client, { schema });
    cache.set(key, db);
  }
  return db;
}

/**
 * The database that holds an organization's data: members, invitations, audit trail.
 * Today every organization lives in the same database; this function is the seam where
 * sharding by organization goes (DESIGN §8), so org-scoped code never asks for any other.
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
