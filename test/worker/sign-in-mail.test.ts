import { env } from "cloudflare:workers";
import { and, inArray, isNull } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import { mailOutbox } from "../../db/schema/index.ts";
import { createApp } from "../../worker/app.ts";
import { userDatabase } from "../../worker/lib/database.ts";
import { addressGroup } from "../../worker/lib/request.ts";
import { deliverDeploymentMail, forgetDeadLinkMail, linkMailMaxAgeMs } from "../../worker/mail/deployment-mail.ts";
import { claimSlot, maxWaitMs } from "../../worker/mail/pace.ts";
import { freshAddress, uniqueEmail } from "./support/client.ts";

interface Received {
  path: string;
  idempotencyKey?: string;
  body: Array<{ to: string }> | { to: string };
  status: number;
}

async function received(): Promise<Received[]> {
  return (await fetch(`${inject("resendUrl")}/__received`)).json<Received[]>();
}

/** Resend's stand-in with an account of this test's own (its own pace), at Resend's default 2 requests a second. */
const resendEnv = () => ({ ...env, RESEND_API_KEY: `re_signin_${crypto.randomUUID()}`, RESEND_BASE_URL: inject("resendUrl"), RESEND_REQUESTS_PER_SECOND: "2" });

/**
 * A clock decades back, far from every other test's: the deployment's outbox is shared, and
 * a run only takes mail due by its "now" and written within a link's life before it, so this
 * test's runs see only this test's mail (and other tests' runs never see it).
 */
function farClock() {
  const offset = (200_000 + Math.floor(Math.random() * 200_000)) * 3_600_000;
  return { now: () => Date.now() - offset };
}

async function askForLink(app: ReturnType<typeof createApp>, bindings: typeof env, email: string, address = freshAddress()) {
  const response = await app.request(
    "/api/v1/auth/magic-link",
    { method: "POST", headers: { "content-type": "application/json", origin: bindings.APP_URL ?? "http://localhost", "cf-connecting-ip": address }, body: JSON.stringify({ email }) },
    bindings,
  );
  return { status: response.status, body: (await response.json()) as { error?: { code: string } } };
}

const deploymentRows = (tos: string[]) =>
  userDatabase(env).select().from(mailOutbox).where(and(isNull(mailOutbox.orgId), inArray(mailOutbox.to, tos)));

/** How many times the stand-in took (200) a mail to `to`. */
const sentTo = (calls: Received[], to: string) =>
  calls.filter((c) => c.status === 200 && (Array.isArray(c.body) ? c.body : [c.body]).some((m) => m.to === to)).length;

describe("sign-in mail", () => {
  it("claims no pace slot for a caller that would wait too long: refused requests do not push the pace out", async () => {
    const paced = { ...env, RESEND_REQUESTS_PER_SECOND: "1" };
    const key = `re_refused_${crypto.randomUUID()}`;
    const now = Date.now();
    const waits = [];
    for (let i = 0; i <= maxWaitMs / 1000; i++) waits.push(await claimSlot(paced, key, now));
    expect(waits).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
    // A hundred refusals (each told to wait longer than it may) take nothing…
    for (let i = 0; i < 100; i++) expect(await claimSlot(paced, key, now)).toBeGreaterThan(maxWaitMs);
    // …so once the claimed slots have passed, a request goes at once.
    expect(await claimSlot(paced, key, now + 6_000)).toBe(0);
  });

  it("sends every one of 120 parallel sign-in requests (distinct emails and addresses), and a later one at once", { timeout: 60_000 }, async () => {
    const bindings = resendEnv();
    const clock = farClock();
    const app = createApp({ clock });
    const tos = Array.from({ length: 120 }, (_, i) => uniqueEmail(`burst${i}`));
    const answers = await Promise.all(tos.map((to) => askForLink(app, bindings, to)));
    expect(answers.every((a) => a.status === 202)).toBe(true);
    // Every mail is in the deployment's outbox; what could not leave at once, the cron trigger sends.
    expect(await deploymentRows(tos)).toHaveLength(120);
    for (let pass = 0; pass < 5 && (await deploymentRows(tos)).some((r) => r.status !== "sent"); pass++) {
      await deliverDeploymentMail(bindings, clock.now() + (pass + 1) * 60_000);
    }
    const rows = await deploymentRows(tos);
    expect(rows.filter((r) => r.status === "sent")).toHaveLength(120);
    expect(rows.every((r) => r.params === null)).toBe(true);
    const calls = await received();
    for (const to of tos) expect(sentTo(calls, to)).toBe(1);
    // A sign-in after the burst leaves before its request answers: the burst left the pace no debt.
    const later = uniqueEmail("after-burst");
    expect((await askForLink(app, bindings, later)).status).toBe(202);
    expect((await deploymentRows([later]))[0]?.status).toBe("sent");
  });

  it("retries a sign-in mail Resend failed (5xx) until it leaves, under one idempotency key, and gives up once its link has died", async () => {
    const bindings = resendEnv();
    const clock = farClock();
    const app = createApp({ clock });
    const flaky = uniqueEmail("signin-flaky500");
    const dead = uniqueEmail("signin-fail500");
    expect((await askForLink(app, bindings, flaky)).status).toBe(202);
    expect((await askForLink(app, bindings, dead)).status).toBe(202);
    expect((await deploymentRows([flaky]))[0]).toMatchObject({ status: "queued", attempts: 1 });
    await deliverDeploymentMail(bindings, clock.now() + 60_000);
    expect((await deploymentRows([flaky]))[0]).toMatchObject({ status: "sent", attempts: 2, params: null });
    const tries = (await received()).filter((c) => JSON.stringify(c.body).includes(flaky));
    expect(tries.map((t) => t.status)).toEqual([500, 200]);
    expect(new Set(tries.map((t) => t.idempotencyKey)).size).toBe(1);
    // Past the link's life the other mail is never tried again, and the cron pass gives it up.
    const before = (await received()).filter((c) => JSON.stringify(c.body).includes(dead)).length;
    await deliverDeploymentMail(bindings, clock.now() + linkMailMaxAgeMs + 60_000);
    expect((await received()).filter((c) => JSON.stringify(c.body).includes(dead)).length).toBe(before);
    await forgetDeadLinkMail(bindings, clock.now() + linkMailMaxAgeMs + 60_000);
    expect((await deploymentRows([dead]))[0]).toMatchObject({ status: "failed", params: null });
  });

  it("caps sign-in mail deployment-wide (SIGN_IN_MAIL_PER_HOUR): past it, 429 for anyone", async () => {
    const bindings = { ...env, APP_URL: `http://cap-${crypto.randomUUID()}.roster.test`, SIGN_IN_MAIL_PER_HOUR: "3" };
    const app = createApp();
    for (let i = 0; i < 3; i++) expect((await askForLink(app, bindings, uniqueEmail(`cap${i}`))).status).toBe(202);
    const over = await askForLink(app, bindings, uniqueEmail("cap-over"));
    expect(over).toMatchObject({ status: 429, body: { error: { code: "rate_limited" } } });
  });

  it("limits IPv6 clients by their /64: a host cannot dodge the per-address limit by changing its interface id", async () => {
    expect(addressGroup("2001:db8:0:1:aaaa::1")).toBe("2001:db8:0:1::/64");
    expect(addressGroup("2001:0DB8:0000:0001:ffff:1:2:3")).toBe("2001:db8:0:1::/64");
    expect(addressGroup("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressGroup("::ffff:192.0.2.7")).toBe("192.0.2.7");
    expect(addressGroup("192.0.2.7")).toBe("192.0.2.7");
    const prefix = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:${Math.floor(Math.random() * 0xffff).toString(16)}`;
    const app = createApp();
    for (let i = 0; i < 30; i++) expect((await askForLink(app, env, uniqueEmail(`v6-${i}`), `${prefix}:${(i + 1).toString(16)}::1`)).status).toBe(202);
    expect((await askForLink(app, env, uniqueEmail("v6-over"), `${prefix}:ffff:1:2:3`)).status).toBe(429);
  });

  it("refuses to build a link without APP_URL outside local development (500 misconfigured), and takes the request's origin only in local development", async () => {
    const production = { ...env, APP_URL: undefined, ROSTER_LOCAL_DEV: undefined };
    const app = createApp();
    expect(await askForLink(app, production, uniqueEmail("no-app-url"))).toMatchObject({ status: 500, body: { error: { code: "misconfigured" } } });
    expect((await askForLink(app, { ...env, APP_URL: undefined }, uniqueEmail("local-no-app-url"))).status).toBe(202);
  });
});
