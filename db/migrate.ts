/**
 * Applies the drizzle-kit migrations in db/migrations to a libSQL database over its HTTP
 * protocol: the local server (db/server), `turso dev`, or Turso.
 *
 *   DATABASE_URL=http://127.0.0.1:8080 npm run db:migrate
 */
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import { fileURLToPath } from "node:url";

export const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));

export interface MigrateOptions {
  url: string;
  authToken?: string | undefined;
  /** Defaults to db/migrations; tests point it at a partial copy. */
  folder?: string;
}

/** Applies every migration not yet recorded in the database's `__drizzle_migrations`. */
export async function migrateDatabase(options: MigrateOptions): Promise<void> {
  const client = createClient({ url: options.url, authToken: options.authToken });
  try {
    await migrate(drizzle(client), { migrationsFolder: options.folder ?? migrationsFolder });
  } finally {
    client.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error("DATABASE_URL is not set (e.g. http://127.0.0.1:8080 for `npm run db:serve`).");
    process.exit(1);
  }
  const started = performance.now();
  await migrateDatabase({ url, authToken: process.env.DATABASE_AUTH_TOKEN });
  console.log(`Migrated ${url} in ${Math.round(performance.now() - started)} ms`);
}
