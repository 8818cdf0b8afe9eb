import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { migrateDatabase } from "../../db/migrate.ts";
import { superviseLibsqlServer } from "../../db/server/supervisor.ts";
import { startResendStandIn } from "./resend-stand-in.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The local libSQL server of this run, migrated, on a fresh database. */
    databaseUrl: string;
    /** A local stand-in of Resend's API (resend-stand-in.ts). */
    resendUrl: string;
  }
}

/**
 * Starts the local libSQL server the way `npm run dev` does (supervised, on a free
 * loopback port) with a fresh database file, applies the migrations and hands its URL to
 * the tests.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), "roster-test-"));
  const server = await superviseLibsqlServer({ file: join(dir, "roster.db"), port: 0 });
  await migrateDatabase({ url: server.url });
  project.provide("databaseUrl", server.url);
  const resend = await startResendStandIn();
  project.provide("resendUrl", resend.url);
  return async () => {
    await resend.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
