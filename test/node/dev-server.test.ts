import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { freePortTriple, isFree, signalGroup, waitForHealth } from "../setup/dev-server.ts";
import { childrenOf, descendantsOf, type ProcessEntry } from "../support/processes.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return condition();
}

describe("npm run dev", () => {
  it("stops everything it started when the process that started it is gone", { timeout: 180_000 }, async () => {
    const port = await freePortTriple();
    const dataDir = await mkdtemp(join(tmpdir(), "roster-dev-"));
    const logFile = join(dataDir, "dev.log");
    const log = openSync(logFile, "a");
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), ROSTER_DATA_DIR: dataDir };
    for (const key of ["RESEND_API_KEY", "RESEND_BASE_URL", "DATABASE_URL", "DATABASE_AUTH_TOKEN", "APP_URL", "WORKER_PORT", "DB_PORT"]) delete env[key];
    // As npm runs a script: a shell with the dev server as its foreground child (a second
    // command after it, so the shell cannot exec it in its own place).
    const shell = spawn("sh", ["-c", `"${process.execPath}" scripts/dev.ts; echo "dev server exited"`], { cwd: root, env, detached: true, stdio: ["ignore", log, log] });
    closeSync(log);
    let started: ProcessEntry[] = [];
    try {
      await waitForHealth(`http://localhost:${port}/api/health`, shell);
      const dev = childrenOf(shell.pid!).find((p) => p.name === "node");
      expect(dev, "the dev server under the shell").toBeDefined();
      started = [dev!, ...descendantsOf(dev!.pid)];
      expect(started.map((p) => p.name)).toEqual(expect.arrayContaining(["workerd"]));
      // Nothing it wrote is readable by another local user: the database holds sign-in links.
      for (const file of ["roster.db", "worker.env", "database-token", "session-secret"]) {
        expect(statSync(join(dataDir, file)).mode & 0o077, `${file} is closed to others`).toBe(0);
      }
      // The secrets reach the Worker through a file, never a command line any local user can read.
      const secrets = ["session-secret", "database-token"].map((name) => readFileSync(join(dataDir, name), "utf8").trim());
      for (const p of started) {
        const cmdline = readFileSync(`/proc/${p.pid}/cmdline`, "utf8");
        for (const secret of secrets) expect(cmdline.includes(secret), `${p.name} ${p.pid} shows a secret on its command line`).toBe(false);
      }

      // What a SIGTERM to `npm run dev` does: npm and its shell end, the dev server does not
      // hear of it. It must notice, and stop what it started.
      process.kill(shell.pid!, "SIGKILL");
      const stopped = await until(() => started.every((p) => !alive(p.pid)), 30_000);
      expect(stopped, `still running: ${started.filter((p) => alive(p.pid)).map((p) => `${p.name} ${p.pid}`).join(", ")}\n${readFileSync(logFile, "utf8").slice(-2000)}`).toBe(true);
      expect(await until(async () => (await isFree(port)) && (await isFree(port + 1)) && (await isFree(port + 2)), 10_000)).toBe(true);
    } finally {
      // Whatever is left (a failed run). The Worker's process runs in a process group of its
      // own, and would restart a workerd killed alone: whole groups go.
      for (const p of [...started, ...descendantsOf(shell.pid!)]) {
        signalGroup(p.pid, "SIGKILL");
        if (alive(p.pid)) process.kill(p.pid, "SIGKILL");
      }
      signalGroup(shell.pid!, "SIGKILL");
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
