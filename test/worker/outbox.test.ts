import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import { mailOutbox } from "../../db/schema/index.ts";
import { orgDatabase } from "../../worker/lib/database.ts";
import { mailerFor } from "../../worker/mail/mailer.ts";
import { deliverDue, outboxInsert, retryDelayMs } from "../../worker/mail/outbox.ts";
import { claimSlot, maxWaitMs } from "../../worker/mail/pace.ts";
import { uniqueEmail } from "./support/client.ts";

// Paced far above Resend's default here: the pace has its own test below.
const resendEnv = { ...env, RESEND_API_KEY: "re_outbox", RESEND_BASE_URL: inject("resendUrl"), RESEND_REQUESTS_PER_SECOND: "1000" };

interface Received {
  path: string;
  idempotencyKey?: string;
  body: Array<{ to: string }> | { to: string };
  status: number;
  replayed?: boolean;
}

async function received(): Promise<Received[]> {
  return (await fetch(`${inject("resendUrl")}/__received`)).json<Received[]>();
}

/** Queues mails for a fresh organization id (the outbox keys on it) and answers it. */
async function queue(tos: string[], now: number): Promise<string> {
  const orgId = `org_outbox_${crypto.randomUUID()}`;
  const db = orgDatabase(env, orgId);
  const inserts = tos.map((to) =>
    outboxInsert(to, { template: "invitation_accepted", params: { orgName: "Acme", inviteeName: to, url: `https://roster.test/secret-for-${to}` } }, { orgId, now }),
  );
  await db.$client.batch(inserts.map(({ sql, args }) => ({ sql, args })), "write");
  return orgId;
}

const rows = (orgId: string) => orgDatabase(env, orgId).select().from(mailOutbox).where(eq(mailOutbox.orgId, orgId));

describe("the mail outbox", () => {
  it("sends due mail through Resend's batch endpoint with an idempotency key, rendered from its template, then forgets its parameters", async () => {
    const now = Date.now();
    const tos = [uniqueEmail("ob-a"), uniqueEmail("ob-b")];
    const orgId = await queue(tos, now);
    const { next } = await deliverDue(orgDatabase(env, orgId), mailerFor(resendEnv), orgId, now);
    expect(next).toBeNull();
    const batch = (await received()).find((r) => r.path === "/emails/batch" && JSON.stringify(r.body).includes(tos[0]!));
    expect(batch?.idempotencyKey).toMatch(/^batch-[0-9a-f-]{36}$/);
    expect((batch?.body as Array<{ to: string }>).map((m) => m.to).sort()).toEqual([...tos].sort());
    expect(JSON.stringify(batch?.body)).toContain(`secret-for-${tos[0]}`);
    expect(JSON.stringify(batch?.body)).toContain("joined Acme");
    for (const row of await rows(orgId)) {
      expect(row).toMatchObject({ status: "sent", attempts: 1, params: null });
    }
  });

  it("keeps mail queued with backoff when Resend answers 5xx, and retries it when due", async () => {
    const now = Date.now();
    const orgId = await queue([uniqueEmail("fail500")], now);
    const db = orgDatabase(env, orgId);
    const { next } = await deliverDue(db, mailerFor(resendEnv), orgId, now);
    expect(next).toBe(now + retryDelayMs(1));
    expect(await rows(orgId)).toEqual([expect.objectContaining({ status: "queued", attempts: 1 })]);
    // Not due yet: nothing is tried.
    await deliverDue(db, mailerFor(resendEnv), orgId, now + 1000);
    expect((await rows(orgId))[0]?.attempts).toBe(1);
    await deliverDue(db, mailerFor(resendEnv), orgId, now + retryDelayMs(1));
    expect((await rows(orgId))[0]).toMatchObject({ status: "queued", attempts: 2 });
  });

  it("retries a failed batch as itself — the same mails under the same key — whatever has queued since", async () => {
    const now = Date.now();
    const first = uniqueEmail("fail500-batch");
    const orgId = await queue([first], now);
    const db = orgDatabase(env, orgId);
    await deliverDue(db, mailerFor(resendEnv), orgId, now);
    // More mail queues before the retry is due; at the retry, both are due.
    const later = uniqueEmail("ob-later");
    await db.$client.batch(
      [outboxInsert(later, { template: "invitation_accepted", params: { orgName: "Acme", inviteeName: later, url: "https://roster.test/x" } }, { orgId, now: now + 10 })].map(({ sql, args }) => ({ sql, args })),
      "write",
    );
    const retryAt = now + retryDelayMs(1);
    await deliverDue(db, mailerFor(resendEnv), orgId, retryAt);
    await deliverDue(db, mailerFor(resendEnv), orgId, retryAt);
    const batches = (await received()).filter((r) => r.path === "/emails/batch" && (JSON.stringify(r.body).includes(first) || JSON.stringify(r.body).includes(later)));
    const recipients = batches.map((b) => (b.body as Array<{ to: string }>).map((m) => m.to));
    expect(recipients).toEqual([[first], [first], [later]]);
    expect(batches.map((b) => b.status)).toEqual([500, 500, 200]);
    expect(batches[1]!.idempotencyKey).toBe(batches[0]!.idempotencyKey);
    expect(batches[2]!.idempotencyKey).not.toBe(batches[0]!.idempotencyKey);
    const byTo = Object.fromEntries((await rows(orgId)).map((r) => [r.to, r]));
    expect(byTo[first]).toMatchObject({ status: "queued", attempts: 2 });
    expect(byTo[later]).toMatchObject({ status: "sent", attempts: 1 });
  });

  it("retries a mail that failed alone (after its batch was refused) alone again, under its own key", async () => {
    const now = Date.now();
    const lone = uniqueEmail("failsingle500");
    const orgId = await queue([uniqueEmail("fail422-lone"), lone], now);
    const db = orgDatabase(env, orgId);
    await deliverDue(db, mailerFor(resendEnv), orgId, now);
    await deliverDue(db, mailerFor(resendEnv), orgId, now + retryDelayMs(1));
    const tries = (await received()).filter((r) => JSON.stringify(r.body).includes(lone));
    const [row] = (await rows(orgId)).filter((r) => r.to === lone);
    // The refused batch, then the mail alone twice: the same key both times, its own.
    expect(tries.map((t) => [t.path, t.status])).toEqual([["/emails/batch", 422], ["/emails", 500], ["/emails", 500]]);
    expect(tries[1]!.idempotencyKey).toBe(row!.idempotencyKey);
    expect(tries[2]!.idempotencyKey).toBe(row!.idempotencyKey);
    expect(row).toMatchObject({ status: "queued", attempts: 2 });
  });

  it("never retries a mail Resend refuses for good (4xx), and a bad one does not hold back the rest", async () => {
    const now = Date.now();
    const good = uniqueEmail("ob-good");
    const orgId = await queue([uniqueEmail("fail422"), good], now);
    const { next } = await deliverDue(orgDatabase(env, orgId), mailerFor(resendEnv), orgId, now);
    expect(next).toBeNull();
    const byStatus = Object.fromEntries((await rows(orgId)).map((r) => [r.to.includes("fail422") ? "bad" : "good", r.status]));
    expect(byStatus).toEqual({ bad: "failed", good: "sent" });
    expect((await received()).some((r) => r.path === "/emails" && r.status === 200 && JSON.stringify(r.body).includes(good))).toBe(true);
  });

  /** The requests the stand-in took for `to`, and how many of them sent a mail (a 200 that is not a replay). */
  async function triesOf(to: string) {
    const tries = (await received()).filter((r) => JSON.stringify(r.body).includes(to));
    return { statuses: tries.map((t) => t.status), sent: tries.filter((t) => t.status === 200 && !t.replayed).length, keys: new Set(tries.map((t) => t.idempotencyKey)) };
  }

  it("retries after a 5xx and the mail goes exactly once, under one idempotency key", async () => {
    const now = Date.now();
    const to = uniqueEmail("flaky500");
    const orgId = await queue([to], now);
    const db = orgDatabase(env, orgId);
    const first = await deliverDue(db, mailerFor(resendEnv), orgId, now);
    expect(first.next).toBe(now + retryDelayMs(1));
    await deliverDue(db, mailerFor(resendEnv), orgId, now + retryDelayMs(1));
    // A third run (say, a retry whose answer was lost) finds nothing due and sends nothing.
    await deliverDue(db, mailerFor(resendEnv), orgId, now + retryDelayMs(5));
    expect(await triesOf(to)).toEqual({ statuses: [500, 200], sent: 1, keys: new Set([expect.any(String)]) });
    expect(await rows(orgId)).toEqual([expect.objectContaining({ status: "sent", attempts: 2, providerId: expect.stringMatching(/^standin_/) })]);
  });

  it("honours Retry-After on a 429: retried exactly when Resend said, not counted as a failed attempt, sent once", async () => {
    const now = Date.now();
    const to = uniqueEmail("rate429");
    const orgId = await queue([to], now);
    const db = orgDatabase(env, orgId);
    const limited = await deliverDue(db, mailerFor(resendEnv), orgId, now);
    // The stand-in answered `Retry-After: 2`: due in 2 s, not after the 30 s backoff.
    expect(limited.next).toBe(now + 2000);
    expect(await rows(orgId)).toEqual([expect.objectContaining({ status: "queued", attempts: 0, lastError: expect.stringContaining("rate_limit_exceeded") })]);
    await deliverDue(db, mailerFor(resendEnv), orgId, now + 1999);
    expect((await triesOf(to)).statuses).toEqual([429]);
    await deliverDue(db, mailerFor(resendEnv), orgId, now + 2000);
    expect(await triesOf(to)).toMatchObject({ statuses: [429, 200], sent: 1 });
    expect((await rows(orgId))[0]).toMatchObject({ status: "sent" });
  });

  it("marks a mail refused with a 422 failed at once, tried once, never again", async () => {
    const now = Date.now();
    const to = uniqueEmail("fail422-alone");
    const orgId = await queue([to], now);
    const db = orgDatabase(env, orgId);
    const { next } = await deliverDue(db, mailerFor(resendEnv), orgId, now);
    expect(next).toBeNull();
    await deliverDue(db, mailerFor(resendEnv), orgId, now + 24 * 3600_000);
    expect((await triesOf(to)).statuses).toEqual([422]);
    expect(await rows(orgId)).toEqual([expect.objectContaining({ status: "failed", attempts: 1, params: null })]);
  });

  it("sends a bulk of 1,000 in ten batch calls of 100", async () => {
    const now = Date.now();
    const stem = `bulk1000-${crypto.randomUUID().slice(0, 8)}`;
    const tos = Array.from({ length: 1000 }, (_, i) => `${stem}-${i}@example.com`);
    const orgId = `org_outbox_${crypto.randomUUID()}`;
    const db = orgDatabase(env, orgId);
    const inserts = tos.map((to) => outboxInsert(to, { template: "invitation_accepted", params: { orgName: "Acme", inviteeName: to, url: "https://roster.test/m" } }, { orgId, now }));
    for (let i = 0; i < inserts.length; i += 200) await db.$client.batch(inserts.slice(i, i + 200).map(({ sql, args }) => ({ sql, args })), "write");
    let next: number | null = now;
    let runs = 0;
    while (next !== null && next <= now && runs < 20) {
      ({ next } = await deliverDue(db, mailerFor(resendEnv), orgId, now));
      runs++;
    }
    const calls = (await received()).filter((r) => JSON.stringify(r.body).includes(stem));
    expect(calls.map((c) => [c.path, (c.body as unknown[]).length])).toEqual(Array.from({ length: 10 }, () => ["/emails/batch", 100]));
    expect(new Set(calls.flatMap((c) => (c.body as Array<{ to: string }>).map((m) => m.to))).size).toBe(1000);
    expect((await rows(orgId)).every((r) => r.status === "sent")).toBe(true);
  });

  it("paces requests to Resend across the whole deployment: one slot per interval for one account, whichever room asks", async () => {
    const paced = { ...env, RESEND_REQUESTS_PER_SECOND: "4" };
    const key = `re_pace_${crypto.randomUUID()}`;
    const now = Date.now();
    // Three rooms asking at the same moment get 0, 250 and 500 ms: 4 a second between them.
    expect(await Promise.all([claimSlot(paced, key, now), claimSlot(paced, key, now), claimSlot(paced, key, now)]).then((w) => w.sort((a, b) => a - b))).toEqual([0, 250, 500]);
    // Another account (another key) has its own pace.
    expect(await claimSlot(paced, `re_other_${crypto.randomUUID()}`, now)).toBe(0);
    // Once the slots have passed, a request goes at once again.
    expect(await claimSlot(paced, key, now + 10_000)).toBe(0);
    // Past the longest wait, the mailer gives the mail back as a 429 to retry later.
    const burst = { ...paced, RESEND_API_KEY: `re_burst_${crypto.randomUUID()}`, RESEND_BASE_URL: inject("resendUrl"), RESEND_REQUESTS_PER_SECOND: "1" };
    for (let i = 0; i < Math.ceil(maxWaitMs / 1000) + 1; i++) await claimSlot(burst, burst.RESEND_API_KEY, Date.now());
    const refused = await mailerFor(burst).send({ to: uniqueEmail("paced"), subject: "s", text: "t", html: "h" }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ statusCode: 429, retryAfterMs: expect.any(Number) });
    expect((refused as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(maxWaitMs);
  });
});
