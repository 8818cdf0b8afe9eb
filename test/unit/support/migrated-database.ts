import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type Client } from "@libsql/client";
import { afterAll, beforeAll } from "vitest";
import { migrateDatabase } from "../../../db/migrate.ts";

/**
 * A file database with every migration applied, for the file's tests (created before them,
 * removed after). Read `.client` inside tests and hooks: it exists once `beforeAll` ran.
 */
export function migratedDatabase(name: string): { readonly client: Client } {
  let dir: string | undefined;
  let client: Client | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `roster-${name}-`));
    const url = `file:${join(dir, "db.sqlite")}`;
    await migrateDatabase({ url });
    client = createClient({ url });
    await client.execute("PRAGMA foreign_keys = ON");
  });
  afterAll(() => {
    client?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    get client(): Client {
      if (!client) throw new Error("migratedDatabase: used before its beforeAll ran");
      return client;
    },
  };
}
