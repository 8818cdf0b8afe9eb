import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePortTriple, stopGroup, waitForHealth } from "../setup/dev-server.ts";
import { descendantsOf } from "../support/processes.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Invitations fired at the organization while its database is killed. */
const invitationCount = 200;
/** How long the invitations are spread over, so the kills land mid-load. */
const loadSpreadMs = 3_000;

let dev: ChildProcess;
let dataDir: string;
let logFile: string;
let appUrl: string;

interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

async function call(path: string, options: { method?: string; body?: unknown; cookie?: string } = {}): Promise<Answer> {
  const method = options.method ?? (options.body === undefined ? "GET" : "POST");
  const headers = new Headers();
  if (options.body !== undefined) headers.set("content-type", "application/json");
  if (options.cookie) {
    headers.set("cookie", options.cookie);
    // Cookie mutations must be same-origin (CSRF protection).
    if (method !== "GET") headers.set("origin", appUrl);
  }
  const response = await fetch(new URL(path, appUrl), {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (a proxy's error page): kept as text for the failure message.
  }
  return { status: response.status, body, headers: response.headers };
}

function errorCode(answer: Answer): string | undefined {
  return (answer.body as { error?: { code?: string } } | null)?.error?.code;
}

async function signIn(email: string): Promise<string> {
  expect((await call("/api/v1/auth/magic-link", { body: { email } })).status).toBe(202);
  const mailbox = await call(`/api/v1/dev/mailbox?to=${encodeURIComponent(email)}`);
  expect(mailbox.status).toBe(200);
  const text = (mailbox.body as { messages: Array<{ text: string }> }).messages[0]?.text ?? "";
  const token = /[?&]token=([^\s&]+)/.exec(text)?.[1];
  expect(token, "a sign-in link in the dev mailbox").toBeDefined();
  const session = await call("/api/v1/auth/session", { body: { token } });
  expect(session.status).toBe(200);
  const cookie = session.headers.getSetCookie().find((c) => c.startsWith("roster_session="));
  expect(cookie, "the session cookie").toBeDefined();
  return cookie!.split(";")[0]!;
}

/** The pid of the supervised libSQL server (`node … db/server/child.ts`) under the dev server. */
function databasePid(): number | undefined {
  for (const p of descendantsOf(dev.pid!)) {
    if (p.name !== "node") continue;
    try {
      if (readFileSync(`/proc/${p.pid}/cmdline`, "utf8").split("\0").some((arg) => arg.endsWith("db/server/child.ts"))) return p.pid;
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Kills the database with SIGKILL and waits until the supervisor has started another. */
async function killDatabase(): Promise<void> {
  const pid = await until(databasePid, 10_000, "the database process");
  process.kill(pid, "SIGKILL");
  await until(() => {
    const next = databasePid();
    return next !== undefined && next !== pid ? next : undefined;
  }, 20_000, "the supervisor to restart the database");
}

function devLogTail(): string {
  return readFileSync(logFile, "utf8").split("\n").slice(-60).join("\n");
}

beforeAll(async () => {
  const port = await freePortTriple();
  dataDir = await mkdtemp(join(tmpdir(), "roster-outage-"));
  logFile = join(dataDir, "dev.log");
  const log = openSync(logFile, "a");
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), ROSTER_DATA_DIR: dataDir };
  for (const key of ["RESEND_API_KEY", "RESEND_BASE_URL", "DATABASE_URL", "DATABASE_AUTH_TOKEN", "APP_URL", "WORKER_PORT", "DB_PORT"]) delete env[key];
  dev = spawn(process.execPath, ["scripts/dev.ts"], { cwd: root, env, detached: true, stdio: ["ignore", log, log] });
  closeSync(log);
  appUrl = `http://localhost:${port}`;
  try {
    await waitForHealth(`${appUrl}/api/health`, dev);
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- npm run dev said ---\n${devLogTail()}`);
  }
}, 180_000);

afterAll(async () => {
  if (dev) await stopGroup(dev);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("a database killed during a load of invitations", () => {
  it("answers 503 database_unavailable with Retry-After, never 500, and loses nothing", { timeout: 180_000 }, async () => {
    const owner = await signIn(`owner-${randomBytes(4).toString("hex")}@example.com`);
    const slug = `outage-${randomBytes(3).toString("hex")}`;
    const created = await call("/api/v1/orgs", { body: { name: "Outage", slug }, cookie: owner });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const raised = await call(`/api/v1/orgs/${slug}`, { method: "PATCH", body: { seatLimit: invitationCount + 50 }, cookie: owner });
    expect(raised.status, JSON.stringify(raised.body)).toBe(200);

    const emails = Array.from({ length: invitationCount }, (_, i) => `invitee-${i}-${randomBytes(3).toString("hex")}@example.com`);
    const invite = (email: string): Promise<Answer> =>
      call(`/api/v1/orgs/${slug}/invitations`, { body: { invitee: email }, cookie: owner }).catch((error: unknown) => ({
        status: 0,
        body: String(error),
        headers: new Headers(),
      }));
    const answers = Promise.all(
      emails.map((email, i) => new Promise<Answer>((resolve) => setTimeout(() => resolve(invite(email)), (i * loadSpreadMs) / invitationCount))),
    );
    // Once early in the load and once again after the supervisor brought it back.
    await new Promise((resolve) => setTimeout(resolve, loadSpreadMs * 0.2));
    await killDatabase();
    await new Promise((resolve) => setTimeout(resolve, loadSpreadMs * 0.3));
    await killDatabase();
    const settled = await answers;

    const tally = new Map<string, number>();
    for (const answer of settled) {
      const key = `${answer.status} ${errorCode(answer) ?? ""}`.trim();
      tally.set(key, (tally.get(key) ?? 0) + 1);
    }
    const summary = JSON.stringify(Object.fromEntries(tally));
    console.log(`[outage] answers: ${summary}`);
    const refused = settled.filter((a) => a.status !== 201);
    // The kills must have hit the load, or this test proves nothing.
    expect(refused.length, `some invitations should meet the outage: ${summary}`).toBeGreaterThan(0);
    const wrong = refused.find((a) => a.status !== 503 || errorCode(a) !== "database_unavailable");
    // The dev server's log names what the Worker or the room failed to classify.
    expect(wrong, `${summary}\n${JSON.stringify(wrong?.body)}\n--- npm run dev said ---\n${wrong ? devLogTail() : ""}`).toBeUndefined();
    for (const answer of refused) expect(Number(answer.headers.get("retry-after")), "Retry-After on a 503").toBeGreaterThan(0);

    // The supervisor has the database back: the organization takes invitations again.
    await waitForHealth(`${appUrl}/api/health`, dev);
    const after = await until(async () => {
      const answer = await call(`/api/v1/orgs/${slug}/invitations`, { body: { invitee: `after-${randomBytes(3).toString("hex")}@example.com` }, cookie: owner });
      return answer.status === 503 ? undefined : answer;
    }, 30_000, "an invitation to be taken after the restart");
    expect(after.status, JSON.stringify(after.body)).toBe(201);

    const listed = new Map<string, string>();
    let cursor: string | null = null;
    do {
      const page = await call(`/api/v1/orgs/${slug}/invitations?status=pending&limit=100${cursor ? `&cursor=${cursor}` : ""}`, { cookie: owner });
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      const body = page.body as { invitations: Array<{ id: string; email: string | null }>; nextCursor: string | null };
      for (const invitation of body.invitations) listed.set(invitation.email ?? "", invitation.id);
      cursor = body.nextCursor;
    } while (cursor);

    const acceptedEmails = emails.filter((_, i) => settled[i]!.status === 201);
    for (const [i, email] of emails.entries()) {
      const answer = settled[i]!;
      if (answer.status === 201) {
        expect(listed.get(email), `${email} was answered 201`).toBe((answer.body as { invitation: { id: string } }).invitation.id);
      } else {
        expect(listed.has(email), `${email} was refused (${answer.status}) yet is listed`).toBe(false);
      }
    }
    expect(listed.size).toBe(acceptedEmails.length + 1);

    const org = await call(`/api/v1/orgs/${slug}`, { cookie: owner });
    expect(org.status).toBe(200);
    const seats = (org.body as { seats: { pending: number; used: number; members: number } }).seats;
    expect(seats.pending).toBe(listed.size);
    expect(seats.used).toBe(seats.members + listed.size);
  });
});
