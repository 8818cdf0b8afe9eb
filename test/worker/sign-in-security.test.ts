/// <reference types="vite/client" />
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../worker/app.ts";
import { call, freshAddress, latestSignInToken, uniqueEmail, type Answer } from "./support/client.ts";

/** The `name=value` of the Set-Cookie for `name`, and its attributes, or undefined. */
function setCookie(answer: { headers: Headers }, name: string): { pair: string; attributes: string } | undefined {
  const line = answer.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  if (!line) return undefined;
  const [pair = "", ...rest] = line.split(";");
  return { pair: pair.trim(), attributes: rest.join(";") };
}

/** Calls the Worker at `base` (e.g. https://roster.test) as a same-origin browser would. */
async function callAt<T = any>(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; cookie?: string; address?: string; origin?: string | null } = {},
): Promise<Answer<T>> {
  const headers = new Headers({ "cf-connecting-ip": options.address ?? freshAddress() });
  if (options.body !== undefined) headers.set("content-type", "application/json");
  if (options.cookie) headers.set("cookie", options.cookie);
  const origin = options.origin === undefined ? base : options.origin;
  if (origin && method !== "GET") headers.set("origin", origin);
  const response = await exports.default.fetch(`${base}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T, headers: response.headers };
}

/** Asks for a link for `email` as a browser; answers the link's token and the nonce cookie it got. */
async function askForLink(email: string, address = freshAddress()): Promise<{ token: string; nonce: string; address: string }> {
  const asked = await call("POST", "/api/v1/auth/magic-link", { body: { email }, address });
  expect(asked.status).toBe(202);
  const nonce = setCookie(asked, "roster_signin")?.pair;
  expect(nonce, "the sign-in nonce cookie").toBeDefined();
  return { token: await latestSignInToken(email), nonce: nonce as string, address };
}

async function loginTokenRows(email: string): Promise<Array<Record<string, unknown>>> {
  const { createClient } = await import("@libsql/client/web");
  const db = createClient({ url: env.DATABASE_URL ?? "" });
  const rows = await db.execute({ sql: "SELECT * FROM login_tokens WHERE email = ?", args: [email] });
  db.close();
  return rows.rows as unknown as Array<Record<string, unknown>>;
}

describe("a sign-in link is bound to the browser that asked for it", () => {
  it("gives the asking browser a short-lived HttpOnly, SameSite=Lax nonce cookie and stores only its hash", async () => {
    const email = uniqueEmail("nonce");
    const { nonce } = await askForLink(email);
    const asked = await call("POST", "/api/v1/auth/magic-link", { body: { email }, address: freshAddress(), headers: { cookie: nonce } });
    const cookie = setCookie(asked, "roster_signin");
    // A browser that asks again keeps its nonce, so its first link stays bound to it too.
    expect(cookie?.pair).toBe(nonce);
    expect(cookie?.attributes).toMatch(/HttpOnly/i);
    expect(cookie?.attributes).toMatch(/SameSite=Lax/i);
    expect(cookie?.attributes).toMatch(/Path=\//i);
    const expires = Date.parse(/Expires=([^;]+)/i.exec(cookie?.attributes ?? "")?.[1] ?? "");
    expect(expires - Date.now()).toBeGreaterThan(10 * 60_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(15 * 60_000 + 2000);
    const rows = await loginTokenRows(email);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.nonce_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(nonce.split("=")[1]);
  });

  it("over HTTPS names the nonce cookie __Host-roster_signin, Secure", async () => {
    const asked = await callAt("https://roster.test", "POST", "/api/v1/auth/magic-link", { body: { email: uniqueEmail("nonce-https") } });
    expect(asked.status).toBe(202);
    expect(setCookie(asked, "roster_signin")).toBeUndefined();
    const cookie = setCookie(asked, "__Host-roster_signin");
    expect(cookie?.attributes).toMatch(/Secure/i);
    expect(cookie?.attributes).toMatch(/Path=\//i);
    expect(cookie?.attributes).not.toMatch(/Domain=/i);
  });

  it("previews whom a link signs in without using it, and tells whether this browser asked for it", async () => {
    const email = uniqueEmail("preview");
    const { token, nonce, address } = await askForLink(email);
    const elsewhere = await call("POST", "/api/v1/auth/session/preview", { body: { token }, address: freshAddress() });
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body).toMatchObject({ email, requestedHere: false });
    const here = await call("POST", "/api/v1/auth/session/preview", { body: { token }, address, cookie: nonce });
    expect(here.body).toMatchObject({ email, requestedHere: true });
    // Still unused: the preview consumed nothing.
    expect((await call("POST", "/api/v1/auth/session", { body: { token }, address })).status).toBe(200);
  });

  it("previews nothing to anyone without a valid token: unknown and used tokens get the same answer", async () => {
    const email = uniqueEmail("preview-used");
    const { token, address } = await askForLink(email);
    expect((await call("POST", "/api/v1/auth/session", { body: { token }, address })).status).toBe(200);
    const used = await call("POST", "/api/v1/auth/session/preview", { body: { token }, address });
    const unknown = await call("POST", "/api/v1/auth/session/preview", { body: { token: "x".repeat(43) }, address });
    for (const answer of [used, unknown]) {
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe("login_link_invalid");
      expect(JSON.stringify(answer.body)).not.toContain(email);
    }
    expect(used.body.error.message).toBe(unknown.body.error.message);
  });

  it("signs in without asking only the browser holding the link's nonce; any other gets confirmation_required and the link stays usable", async () => {
    const attacker = uniqueEmail("attacker");
    const link = await askForLink(attacker);
    const victimAddress = freshAddress();
    // The victim's browser: no nonce, or a nonce of its own from asking for its own link.
    const victimNonce = (await askForLink(uniqueEmail("victim"), victimAddress)).nonce;
    for (const cookie of [undefined, victimNonce]) {
      const silent = await call("POST", "/api/v1/auth/session", { body: { token: link.token, sameBrowser: true }, address: victimAddress, cookie });
      expect(silent.status, String(cookie)).toBe(403);
      expect(silent.body.error.details.reason).toBe("confirmation_required");
      expect(setCookie(silent, "roster_session")).toBeUndefined();
    }
    const asker = await call("POST", "/api/v1/auth/session", { body: { token: link.token, sameBrowser: true }, address: link.address, cookie: link.nonce });
    expect(asker.status).toBe(200);
    expect(asker.body.user.email).toBe(attacker);
    expect(setCookie(asker, "roster_session")).toBeDefined();
    // Its job done, the nonce cookie goes.
    expect(setCookie(asker, "roster_signin")?.attributes).toMatch(/Expires=Thu, 01 Jan 1970|Max-Age=0/i);
  });

  it("answers a sameBrowser exchange of a used link as invalid, not as needing confirmation", async () => {
    const email = uniqueEmail("used-silent");
    const { token, address } = await askForLink(email);
    expect((await call("POST", "/api/v1/auth/session", { body: { token }, address })).status).toBe(200);
    const again = await call("POST", "/api/v1/auth/session", { body: { token, sameBrowser: true }, address });
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe("login_link_invalid");
  });

  it("still exchanges a bare token for API callers that have no nonce cookie", async () => {
    const email = uniqueEmail("script");
    const { token } = await askForLink(email);
    const session = await call("POST", "/api/v1/auth/session", { body: { token }, address: freshAddress(), origin: null });
    expect(session.status).toBe(200);
    expect(session.body.user.email).toBe(email);
  });

  it("refuses sign-in requests made from another site, so no site can sign a browser in or hand it a nonce", async () => {
    const email = uniqueEmail("cross-site");
    const { token } = await askForLink(email);
    for (const [path, body] of [
      ["/api/v1/auth/session", { token }],
      ["/api/v1/auth/session/preview", { token }],
      ["/api/v1/auth/magic-link", { email }],
    ] as const) {
      const foreign = await call("POST", path, { body, address: freshAddress(), origin: "https://evil.example" });
      expect(foreign.status, path).toBe(403);
      expect(foreign.headers.getSetCookie(), path).toEqual([]);
      const fetched = await call("POST", path, { body, address: freshAddress(), origin: null, headers: { "sec-fetch-site": "cross-site" } });
      expect(fetched.status, path).toBe(403);
    }
    // The refused exchange did not use the link up.
    expect((await call("POST", "/api/v1/auth/session", { body: { token }, address: freshAddress() })).status).toBe(200);
  });

  it("ends the email's other unused links when one of them signs in", async () => {
    const email = uniqueEmail("siblings");
    const first = await askForLink(email);
    const second = await askForLink(email);
    expect(first.token).not.toBe(second.token);
    expect((await call("POST", "/api/v1/auth/session", { body: { token: second.token }, address: second.address })).status).toBe(200);
    const stale = await call("POST", "/api/v1/auth/session", { body: { token: first.token }, address: first.address });
    expect(stale.status).toBe(400);
    expect(stale.body.error.code).toBe("login_link_invalid");
  });
});

describe("the session cookie's name follows the scheme", () => {
  async function signInAt(base: string, email: string): Promise<Answer<{ user: { email: string } }>> {
    const address = freshAddress();
    expect((await callAt(base, "POST", "/api/v1/auth/magic-link", { body: { email }, address })).status).toBe(202);
    const token = await latestSignInToken(email);
    return callAt(base, "POST", "/api/v1/auth/session", { body: { token }, address });
  }

  it("over HTTPS sets __Host-roster_session (Secure, Path=/, no Domain) and reads only that name", async () => {
    const base = "https://roster.test";
    const session = await signInAt(base, uniqueEmail("https"));
    expect(session.status).toBe(200);
    expect(setCookie(session, "roster_session")).toBeUndefined();
    const cookie = setCookie(session, "__Host-roster_session");
    expect(cookie).toBeDefined();
    expect(cookie?.attributes).toMatch(/Secure/i);
    expect(cookie?.attributes).toMatch(/HttpOnly/i);
    expect(cookie?.attributes).toMatch(/Path=\/(;|$)/i);
    expect(cookie?.attributes).not.toMatch(/Domain=/i);
    const value = cookie?.pair.split("=").slice(1).join("=") ?? "";
    expect((await callAt(base, "GET", "/api/v1/me", { cookie: `__Host-roster_session=${value}` })).status).toBe(200);
    // A plain-named cookie, as a sibling subdomain could plant, counts for nothing over HTTPS.
    expect((await callAt(base, "GET", "/api/v1/me", { cookie: `roster_session=${value}` })).status).toBe(401);
    // Nor does the __Host- name over plain http, where the browser would not have protected it.
    expect((await callAt("http://roster.test", "GET", "/api/v1/me", { cookie: `__Host-roster_session=${value}` })).status).toBe(401);
  });

  it("over plain http keeps roster_session, without Secure", async () => {
    const session = await signInAt("http://roster.test", uniqueEmail("http"));
    expect(setCookie(session, "__Host-roster_session")).toBeUndefined();
    expect(setCookie(session, "roster_session")?.attributes).not.toMatch(/Secure/i);
  });

  it("takes HTTPS from APP_URL when the request reached the Worker over http", async () => {
    const app = createApp();
    const response = await app.request(
      "http://internal.roster.test/api/v1/auth/magic-link",
      { method: "POST", headers: { "content-type": "application/json", "cf-connecting-ip": freshAddress() }, body: JSON.stringify({ email: uniqueEmail("behind-proxy") }) },
      { ...env, APP_URL: "https://roster.test" },
    );
    expect(response.status).toBe(202);
    expect(setCookie(response, "__Host-roster_signin")?.attributes).toMatch(/Secure/i);
  });
});

describe("framing and referrers", () => {
  it("refuses framing on every answer of the Worker: API, errors, the reference page", async () => {
    const answers = await Promise.all([
      exports.default.fetch("http://roster.test/api/health"),
      exports.default.fetch("http://roster.test/api/v1/me"),
      exports.default.fetch("http://roster.test/api/v1/no-such-thing"),
      exports.default.fetch("http://roster.test/api/docs"),
      exports.default.fetch("http://roster.test/api/v1/auth/magic-link", { method: "POST", headers: { "content-type": "application/json" }, body: "{" }),
    ]);
    for (const response of answers) {
      const where = `${response.url} ${response.status}`;
      expect(response.headers.get("content-security-policy"), where).toMatch(/(^|;)\s*frame-ancestors 'none'/);
      expect(response.headers.get("x-frame-options"), where).toBe("DENY");
      expect(response.headers.get("x-content-type-options"), where).toBe("nosniff");
      await response.arrayBuffer();
    }
    // The reference page keeps its own policy and gains the directive.
    expect(answers[3]?.headers.get("content-security-policy")).toMatch(/^default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'$/);
  });

  it("gives the built dashboard the same framing headers, and no-referrer on pages whose URL carries a token", async () => {
    const { default: rules } = await import("../../web/public/_headers?raw");
    const blocks = new Map<string, string[]>();
    let current: string[] = [];
    for (const line of rules.split("\n")) {
      if (!line.trim() || line.startsWith("#")) continue;
      if (!/^\s/.test(line)) blocks.set(line.trim(), (current = []));
      else current.push(line.trim());
    }
    expect(blocks.get("/*")).toEqual(
      expect.arrayContaining(["Content-Security-Policy: frame-ancestors 'none'", "X-Frame-Options: DENY", "X-Content-Type-Options: nosniff"]),
    );
    for (const page of ["/auth/callback", "/invitations/*", "/join/*"]) expect(blocks.get(page), page).toContain("Referrer-Policy: no-referrer");
  });
});

describe("the per-email sign-in limit cannot lock anyone out", () => {
  it("keeps answering 202 and keeps a valid link in the mailbox however many addresses ask for someone's email", async () => {
    const victim = uniqueEmail("victim-lockout");
    for (let i = 0; i < 25; i++) {
      const asked = await call("POST", "/api/v1/auth/magic-link", { body: { email: victim }, address: freshAddress() });
      expect(asked.status, `request ${i + 1}`).toBe(202);
    }
    const address = freshAddress();
    const mine = await call("POST", "/api/v1/auth/magic-link", { body: { email: victim }, address });
    expect(mine.status).toBe(202);
    // Mail stopped at the cap, and what was mailed still signs the victim in (after they confirm).
    expect((await loginTokenRows(victim)).length).toBeLessThanOrEqual(20);
    const token = await latestSignInToken(victim);
    const preview = await call("POST", "/api/v1/auth/session/preview", { body: { token }, address });
    expect(preview.body).toMatchObject({ email: victim, requestedHere: false });
    const session = await call("POST", "/api/v1/auth/session", { body: { token }, address });
    expect(session.status).toBe(200);
  });

  it("answers a capped email exactly like any other", async () => {
    const capped = uniqueEmail("capped");
    for (let i = 0; i < 21; i++) await call("POST", "/api/v1/auth/magic-link", { body: { email: capped }, address: freshAddress() });
    const a = await call("POST", "/api/v1/auth/magic-link", { body: { email: capped }, address: freshAddress() });
    const b = await call("POST", "/api/v1/auth/magic-link", { body: { email: uniqueEmail("fresh") }, address: freshAddress() });
    expect(a.status).toBe(202);
    expect(a.body).toEqual(b.body);
    expect(a.headers.getSetCookie().map((c) => c.split("=")[0])).toEqual(b.headers.getSetCookie().map((c) => c.split("=")[0]));
  });

  it("still refuses one address that keeps asking for the same email, and only that address", async () => {
    const email = uniqueEmail("one-address");
    const pushy = freshAddress();
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await call("POST", "/api/v1/auth/magic-link", { body: { email }, address: pushy })).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    expect((await call("POST", "/api/v1/auth/magic-link", { body: { email }, address: freshAddress() })).status).toBe(202);
  });
});
