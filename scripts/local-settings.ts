import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Where `npm run dev` keeps its data: the database, the Worker's local state, secrets.
 * `ROSTER_DATA_DIR` moves it (the end-to-end tests use a fresh one per run).
 */
export const dataDir = process.env.ROSTER_DATA_DIR ?? join(process.cwd(), ".data");

/**
 * The session secret for local runs: `SESSION_SECRET` if set, else one generated once into
 * `.data/session-secret` so sessions survive restarts.
 */
export function localSessionSecret(): string {
  return process.env.SESSION_SECRET || localSecret("session-secret");
}

/**
 * The local database server's token (`Authorization: Bearer`), generated once into
 * `.data/database-token`: `npm run dev` starts the server, migrates and runs the Worker with it.
 */
export function localDatabaseToken(): string {
  return localSecret("database-token");
}

/** A random secret kept in `.data/<name>` (mode 0600), made on first use. */
function localSecret(name: string): string {
  const file = join(dataDir, name);
  if (existsSync(file)) {
    const kept = readFileSync(file, "utf8").trim();
    if (kept) return kept;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** Fails early, with the fix, on a Node too old for wrangler, miniflare and vite. */
export function requireNode22(): void {
  const major = Number(process.versions.node.split(".")[0]);
  if (major < 22) {
    console.error(
      `Roster needs Node >= 22 (this is ${process.version}). Install it (e.g. \`nvm install 22\`), ` +
        "or run `source .ci/node22.sh` to put a Node 22 from the npm registry on PATH.",
    );
    process.exit(1);
  }
}

/** Resolves once `url` answers any HTTP status, or rejects after `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms: ${String(error)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
