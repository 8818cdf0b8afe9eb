/**
 * A manual check of mail against the Resend stand-in, through `npm run dev` (not a Vitest file):
 * `node test/setup/mail-check.ts`. It signs in, invites a "flaky500" address (the stand-in
 * answers 500 once), waits for the room's alarm to retry, prints every request the stand-in took
 * (one 200 that is not a replay: sent once), then posts signed email.delivered and email.bounced
 * webhooks and prints the invitation's delivery after each.
 */
import { spawn } from "node:child_process";
import { startResendStandIn } from "./resend-stand-in.ts";
import { signedWebhook, testWebhookSecret } from "../support/webhooks.ts";

const standIn = await startResendStandIn();
const port = 18787;
const app = `http://localhost:${port}`;
const child = spawn(process.execPath, ["scripts/dev.ts"], {
  cwd: new URL("../..", import.meta.url).pathname,
  env: { ...process.env, PORT: String(port), ROSTER_DATA_DIR: `${process.env.TMPDIR ?? "/tmp"}/roster-mailcheck`, RESEND_API_KEY: "re_manual_check", RESEND_BASE_URL: standIn.url, RESEND_WEBHOOK_SECRET: testWebhookSecret },
  detached: true,
  stdio: ["ignore", "ignore", "ignore"],
});
const log = (...a: unknown[]) => console.log(new Date().toISOString(), ...a);
try {
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${app}/api/health`)).ok) break; } catch {}
    if (i > 240) throw new Error("dev server did not start");
    await new Promise((r) => setTimeout(r, 500));
  }
  log("health", await (await fetch(`${app}/api/health`)).json());
  const received = async () => (await (await fetch(`${standIn.url}/__received`)).json()) as any[];
  const post = (path: string, body: unknown, cookie?: string) =>
    fetch(`${app}${path}`, { method: "POST", headers: { "content-type": "application/json", origin: app, ...(cookie ? { cookie } : {}) }, body: JSON.stringify(body) });
  const email = `owner-${Date.now()}@example.com`;
  log("magic link", (await post("/api/v1/auth/magic-link", { email })).status);
  const signIn = (await received()).find((r) => JSON.stringify(r.body).includes(email));
  const token = /token=([A-Za-z0-9_-]+)/.exec(JSON.stringify(signIn.body))![1];
  const session = await post("/api/v1/auth/session", { token });
  const cookie = session.headers.get("set-cookie")!.split(";")[0]!;
  const slug = `check-${Date.now().toString(36)}`;
  const org = (await (await post("/api/v1/orgs", { name: "Check", slug }, cookie)).json()) as any;
  const invitee = `flaky500-${Date.now()}@example.com`;
  const inv = (await (await post(`/api/v1/orgs/${slug}/invitations`, { invitee }, cookie)).json()) as any;
  log("invited", inv.invitation.id, inv.invitation.delivery);
  const tries = async () => (await received()).filter((r) => JSON.stringify(r.body).includes(invitee));
  const delivery = async () => ((await (await fetch(`${app}/api/v1/orgs/${slug}/invitations`, { headers: { cookie } })).json()) as any).invitations[0].delivery;
  await new Promise((r) => setTimeout(r, 2000));
  log("after 2 s", (await tries()).map((t) => [t.path, t.status, t.replayed ?? false]), await delivery());
  for (let i = 0; i < 60 && (await delivery()) !== "sent"; i++) await new Promise((r) => setTimeout(r, 1000));
  const all = await tries();
  log("after the retry", all.map((t) => [t.path, t.status, t.replayed ?? false]), "sent once:", all.filter((t) => t.status === 200 && !t.replayed).length, await delivery());
  const ok = all.find((t) => t.status === 200)!;
  const body = Array.isArray(ok.body) ? ok.body[0] : ok.body;
  const tags = Object.fromEntries(body.tags.map((t: any) => [t.name, t.value]));
  for (const type of ["email.delivered", "email.bounced"]) {
    const hook = await signedWebhook({ type, emailId: ok.ids[0], tags });
    const answer = await fetch(`${app}/api/v1/webhooks/resend`, { method: "POST", headers: hook.headers, body: hook.body });
    log(type, answer.status, await answer.json(), await delivery());
  }
} finally {
  process.kill(-child.pid!, "SIGTERM");
  await standIn.stop();
}
