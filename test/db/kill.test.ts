import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createClient } from "@libsql/client";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startTestServer, type TestServer } from "./helpers.ts";

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(() => srv.stop());

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test("every write acknowledged before a SIGKILL mid-load is there after the restart, on the same URL", async () => {
  const setup = createClient({ url: srv.url });
  await setup.execute("CREATE TABLE w (writer INT, seq INT, payload TEXT, PRIMARY KEY (writer, seq))");
  setup.close();
  const firstPid = srv.server.pid();
  const acked: string[] = [];
  let killedAt = 0;
  const deadline = Date.now() + 20_000;
  const writer = async (id: number): Promise<void> => {
    const db = createClient({ url: srv.url });
    let seq = 0;
    let afterRestart = 0;
    while (Date.now() < deadline && afterRestart < 20) {
      seq++;
      try {
        if (seq % 3 === 0) {
          await db.batch([{ sql: "INSERT INTO w VALUES (?, ?, ?)", args: [id, seq, "b".repeat(200)] }, { sql: "INSERT INTO w VALUES (?, ?, ?)", args: [id, -seq, "c"] }], "write");
          acked.push(`${id}/${-seq}`);
        } else {
          await db.execute({ sql: "INSERT INTO w VALUES (?, ?, ?)", args: [id, seq, "a".repeat(100)] });
        }
        acked.push(`${id}/${seq}`);
        if (killedAt > 0 && srv.server.restarts > 0) afterRestart++;
      } catch {
        // In flight during the crash or while the server restarts: not acknowledged.
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    db.close();
  };
  const writers = Array.from({ length: 16 }, (_, i) => writer(i));
  await new Promise((r) => setTimeout(r, 400));
  const ackedBeforeKill = acked.length;
  killedAt = Date.now();
  srv.server.kill("SIGKILL");
  await Promise.all(writers);

  expect(ackedBeforeKill).toBeGreaterThan(50);
  expect(srv.server.restarts).toBe(1);
  expect(srv.server.pid()).not.toBe(firstPid);
  const check = createClient({ url: srv.url });
  const rows = (await check.execute("SELECT writer, seq FROM w")).rows.map((r) => `${r.writer}/${r.seq}`);
  check.close();
  const present = new Set(rows);
  const missing = acked.filter((k) => !present.has(k));
  expect(missing).toEqual([]);
  // Batches are atomic across the crash too: every pair is complete or absent.
  for (const k of rows) {
    const [w, s] = k.split("/").map(Number);
    if (s! % 3 === 0 && s! > 0) expect(present.has(`${w}/${-s!}`)).toBe(true);
  }
}, 60_000);

test("a child that dies over and over is restarted with backoff and keeps its port", async () => {
  const before = srv.server.restarts;
  for (let i = 0; i < 2; i++) {
    const pid = srv.server.pid();
    srv.server.kill("SIGKILL");
    const until = Date.now() + 10_000;
    while ((srv.server.pid() === pid || srv.server.pid() === undefined || srv.server.restarts === before + i) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const res = await fetch(`${srv.url}/v2`).catch(() => undefined);
    const until2 = Date.now() + 10_000;
    let ok = res?.status === 200;
    while (!ok && Date.now() < until2) {
      await new Promise((r) => setTimeout(r, 50));
      ok = (await fetch(`${srv.url}/v2`).catch(() => undefined))?.status === 200;
    }
    expect(ok).toBe(true);
  }
  expect(srv.server.restarts).toBe(before + 2);
}, 30_000);

test("the server process exits when the process that supervises it dies", async () => {
  const dir = mkdtempSync(join(tmpdir(), "roster-db-orphan-"));
  const parent = spawn(process.execPath, [fileURLToPath(new URL("./fixtures/parent.ts", import.meta.url)), join(dir, "o.db")], { stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve) => createInterface({ input: parent.stdout! }).once("line", resolve));
  const { pid, url } = JSON.parse(line) as { pid: number; url: string };
  expect((await fetch(`${url}/v2`)).status).toBe(200);
  parent.kill("SIGKILL");
  const until = Date.now() + 10_000;
  while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  expect(alive(pid)).toBe(false);
  rmSync(dir, { recursive: true, force: true });
}, 30_000);
