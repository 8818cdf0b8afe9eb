import { createClient } from "@libsql/client/web";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../worker/app.ts";
import { linkVerifyMail } from "../../worker/mail/templates.ts";
import { verifyLinkToken } from "../../worker/lib/link-token.ts";
import { OrgMailBudget } from "../../worker/org/mail-budget.ts";
import type { LinkView } from "../../worker/views/link.ts";
import { call, createOrg as createOrgOf, forgetOrgCreations, freshAddress, latestMail, origin, signIn, uniqueEmail, type SignedIn } from "./support/client.ts";

/** What an attack review of the self-registration links found, each kept fixed by a test. */

const db = createClient({ url: env.DATABASE_URL ?? "" });
afterAll(() => db.close());

let owner: SignedIn;
beforeAll(async () => {
  owner = await signIn(uniqueEmail("links-hard-owner"));
});

async function createOrg(stem: string) {
  await forgetOrgCreations(owner);
  return createOrgOf(owner, stem);
}

const tokenOf = (url: string) => url.slice(url.indexOf("/join/") + "/join/".length);

async function enableNew(slug: string): Promise<string> {
  const answer = await call<LinkView>("PATCH", `/api/v1/orgs/${slug}/links/new`, { cookie: owner.cookie, body: { enabled: true } });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return tokenOf(answer.body.url);
}

const register = (token: string, email: string, name: string, address = freshAddress()) =>
  call("POST", `/api/v1/join/${token}/register`, { body: { email, name }, address });

async function verifyToken(email: string): Promise<string> {
  const mail = await latestMail(email, (m) => m.subject.includes("Confirm your email"));
  return decodeURIComponent(/verify=([A-Za-z0-9_%-]+)/.exec(mail.text)![1]!);
}

describe("link tokens", () => {
  it("have one spelling: the low bits of the MAC's last character are not free", async () => {
    const org = await createOrg("links-hard-spelling");
    const token = await enableNew(org.slug);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = alphabet.indexOf(token.at(-1)!);
    const variants = [0, 1, 2, 3].map((k) => (last & ~3) | k).filter((i) => i !== last).map((i) => token.slice(0, -1) + alphabet[i]);
    expect(variants).toHaveLength(3);
    await expect(verifyLinkToken(env, token)).resolves.toMatchObject({ orgId: org.id });
    for (const variant of variants) {
      await expect(verifyLinkToken(env, variant)).rejects.toMatchObject({ code: "link_invalid" });
      const preview = await call("GET", `/api/v1/join/${variant}`);
      expect([preview.status, preview.body.error.code]).toEqual([404, "link_invalid"]);
    }
  });
});

describe("registration", () => {
  let org: { id: string; slug: string };
  let token: string;
  beforeAll(async () => {
    org = await createOrg("links-hard-reg");
    token = await enableNew(org.slug);
  });

  it("takes a display name like PATCH /me does: no control or text-direction characters, at most 100 characters once cleaned", async () => {
    for (const name of ["Mallory\r\nBcc: everyone", "Mallory\u202Egnp.exe", "\u200B\u200B", "x".repeat(101), "   "]) {
      const refused = await register(token, uniqueEmail("links-hard-name"), name);
      expect([refused.status, refused.body.error?.code], JSON.stringify(name)).toEqual([400, "validation_failed"]);
    }
    expect((await register(token, uniqueEmail("links-hard-name-ok"), `  ${"é".repeat(100)}  `)).status).toBe(202);
    const me = await signIn(uniqueEmail("links-hard-me"));
    expect((await call("PATCH", "/api/v1/me", { cookie: me.cookie, body: { name: "Eve\u202E" } })).status).toBe(400);
    expect((await call("PATCH", "/api/v1/me", { cookie: me.cookie, body: { name: "Eve\nAdmin" } })).status).toBe(400);
  });

  it("binds the mailed link to the browser that registered (its sign-in nonce cookie); elsewhere it is not", async () => {
    const email = uniqueEmail("links-hard-nonce");
    const asked = await register(token, email, "Nonce Person");
    expect(asked.status).toBe(202);
    const nonce = (asked.headers.get("set-cookie") ?? "").split(";")[0]!;
    expect(nonce).toMatch(/roster_signin=[A-Za-z0-9_-]{43}$/);
    const verify = await verifyToken(email);
    const here = await call("POST", "/api/v1/auth/session/preview", { body: { token: verify }, cookie: nonce });
    expect([here.status, here.body.email, here.body.requestedHere]).toEqual([200, email, true]);
    const elsewhere = await call("POST", "/api/v1/auth/session/preview", { body: { token: verify } });
    expect([elsewhere.status, elsewhere.body.requestedHere]).toEqual([200, false]);
  });

  it("counts the verification mail against the organization's hourly mail budget", async () => {
    const budgetOrg = await createOrg("links-hard-budget");
    const t = await enableNew(budgetOrg.slug);
    const saved = OrgMailBudget.perHour;
    OrgMailBudget.perHour = 2;
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await register(t, uniqueEmail(`links-hard-budget-${i}`), "Budget")).status);
      expect(statuses).toEqual([202, 202, 429]);
    } finally {
      OrgMailBudget.perHour = saved;
    }
  });

  it("answers without waiting on the per-email limiter (its timing would tell whether someone asked for that address)", async () => {
    const email = uniqueEmail("links-hard-timing");
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const names = new Map<string, string>();
    const limiter = env.RATE_LIMITER;
    const RATE_LIMITER = {
      idFromName(name: string) {
        const id = limiter.idFromName(name);
        names.set(id.toString(), name);
        return id;
      },
      get(id: DurableObjectId) {
        const stub = limiter.get(id);
        if (!names.get(id.toString())?.startsWith("magic-link:email:")) return stub;
        // The per-email limiter, made to answer only when the test says so.
        return { take: async (...args: Parameters<typeof stub.take>) => (await held, stub.take(...args)) };
      },
    };
    const background: Promise<unknown>[] = [];
    const executionCtx = { waitUntil: (p: Promise<unknown>) => void background.push(p), passThroughOnException() {}, props: {} };
    const answer = Promise.resolve(createApp().request(
      `${origin}/api/v1/join/${token}/register`,
      { method: "POST", headers: { origin, "content-type": "application/json", "cf-connecting-ip": freshAddress() }, body: JSON.stringify({ email, name: "Timing" }) },
      { ...env, RATE_LIMITER },
      executionCtx as unknown as ExecutionContext,
    ));
    const first = await Promise.race([answer.then((r: Response) => r.status), new Promise((resolve) => setTimeout(() => resolve("still waiting"), 3000))]);
    release();
    expect(first).toBe(202);
    await Promise.all(background);
    expect((await latestMail(email, (m) => m.subject.includes("Confirm your email"))).text).toContain("?verify=");
  });
});

describe("verification", () => {
  it("of 8 people racing for the last seat, the 7 refused get no cookie and keep their token", async () => {
    const org = await createOrg("links-hard-race");
    expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { seatLimit: 2 } })).status).toBe(200);
    const token = await enableNew(org.slug);
    const emails = Array.from({ length: 8 }, (_, i) => uniqueEmail(`links-hard-race-${i}`));
    for (const email of emails) expect((await register(token, email, "Racer")).status).toBe(202);
    const verifies = await Promise.all(emails.map(verifyToken));
    const answers = await Promise.all(verifies.map((v) => call("POST", `/api/v1/join/${token}/verify`, { body: { token: v }, address: freshAddress() })));
    const outcomes = answers.map((a) => (a.status === 200 ? a.body.join.status : a.body.error.code));
    expect(outcomes.filter((o) => o === "joined")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "seats_exhausted")).toHaveLength(7);
    for (const a of answers) {
      if (a.status === 200) expect(a.headers.get("set-cookie")).toMatch(/roster_session=/);
      else expect(a.headers.get("set-cookie") ?? "", "a refused verification signs nobody in").not.toMatch(/roster_session=/);
    }
    // No session was started for the refused, and their tokens are still good once a seat frees up.
    const refused = emails.filter((_, i) => answers[i]!.status !== 200);
    const sessions = await db.execute({
      sql: `SELECT count(*) AS n FROM sessions JOIN users ON users.id = sessions.user_id WHERE users.email IN (${refused.map(() => "?").join(",")})`,
      args: refused,
    });
    expect(Number(sessions.rows[0]?.n)).toBe(0);
    expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { seatLimit: 20 } })).status).toBe(200);
    for (const [i, a] of answers.entries()) {
      if (a.status === 200) continue;
      const retried = await call("POST", `/api/v1/join/${token}/verify`, { body: { token: verifies[i] }, address: freshAddress() });
      expect([retried.status, retried.body.join?.status], JSON.stringify(retried.body)).toEqual([200, "joined"]);
    }
  });
});

describe("the verification mail", () => {
  it("keeps its subject on one line whatever the organization's name", () => {
    const mail = linkVerifyMail("a@example.com", "Evil\r\nBcc: all@example.com", "http://roster.test/join/x?verify=y", 15);
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.subject).toContain("Evil Bcc: all@example.com");
  });
});
