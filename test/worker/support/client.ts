import { env, exports } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";

/** The origin the tests' requests come from (APP_URL in the test bindings). */
export const origin = "http://roster.test";

export interface Answer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

let addressCounter = 0;

/** A client address of its own per caller, so rate limits of one test never hit another. */
export function freshAddress(): string {
  addressCounter++;
  return `10.${(addressCounter >> 16) & 255}.${(addressCounter >> 8) & 255}.${addressCounter & 255}`;
}

export interface CallOptions {
  cookie?: string;
  bearer?: string;
  body?: unknown;
  origin?: string | null;
  address?: string;
  headers?: Record<string, string>;
}

/** Calls the Worker as a browser on `origin` (or as an API client with `bearer`). */
export async function call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<Answer<T>> {
  const headers = new Headers(options.headers);
  if (options.cookie) headers.set("cookie", options.cookie);
  if (options.bearer) headers.set("authorization", `Bearer ${options.bearer}`);
  if (options.body !== undefined) headers.set("content-type", "application/json");
  const sendOrigin = options.origin === undefined ? origin : options.origin;
  if (sendOrigin && method !== "GET") headers.set("origin", sendOrigin);
  headers.set("cf-connecting-ip", options.address ?? "192.0.2.1");
  const response = await exports.default.fetch(`${origin}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  // A page (the dev-only mail previews) is read as text; everything else the API answers is JSON.
  const page = /^text\/(html|plain)/.test(response.headers.get("content-type") ?? "");
  return { status: response.status, body: (text ? (page ? text : JSON.parse(text)) : null) as T, headers: response.headers };
}

interface Mailbox {
  messages: Array<{ to: string; subject: string; text: string }>;
}

/** The newest sign-in token mailed to `email`, read from the dev mailbox. */
export async function latestSignInToken(email: string): Promise<string> {
  const { body } = await call<Mailbox>("GET", `/api/v1/dev/mailbox?to=${encodeURIComponent(email)}`);
  const text = body.messages.find((m) => m.subject.includes("sign-in"))?.text ?? "";
  const token = /token=([A-Za-z0-9_%-]+)/.exec(text)?.[1];
  if (!token) throw new Error(`no sign-in mail for ${email}`);
  return decodeURIComponent(token);
}

/** A signed-in user: their id and the cookie header that carries the session. */
export interface SignedIn {
  userId: string;
  email: string;
  cookie: string;
}

/** Signs `email` in through the magic link and the dev mailbox, as a person would. */
export async function signIn(email: string): Promise<SignedIn> {
  const address = freshAddress();
  const asked = await call("POST", "/api/v1/auth/magic-link", { body: { email }, address });
  if (asked.status !== 202) throw new Error(`magic-link answered ${asked.status}: ${JSON.stringify(asked.body)}`);
  const token = await latestSignInToken(email);
  const session = await call<{ user: { id: string } }>("POST", "/api/v1/auth/session", { body: { token }, address });
  if (session.status !== 200) throw new Error(`session answered ${session.status}: ${JSON.stringify(session.body)}`);
  const setCookie = session.headers.get("set-cookie") ?? "";
  const cookie = setCookie.split(";")[0] ?? "";
  return { userId: session.body.user.id, email, cookie };
}

let orgCounter = 0;

/** A unique slug for this test run. */
export function uniqueSlug(stem: string): string {
  orgCounter++;
  return `${stem}-${Date.now().toString(36)}-${orgCounter}`;
}

/**
 * Forgets how many organizations `user` created today, for suites that make many with one
 * owner and are not about that limit (test/worker/abuse-limits.test.ts is).
 */
export async function forgetOrgCreations(user: SignedIn): Promise<void> {
  const { sha256Hex } = await import("../../../worker/lib/hash.ts");
  const limiter = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`orgs:user:${await sha256Hex(user.userId)}`));
  await runInDurableObject(limiter, (_limiter, state) => {
    state.storage.sql.exec("DELETE FROM hits");
  });
}

/** Creates an organization owned by `owner`; answers its slug and id. */
export async function createOrg(owner: SignedIn, stem = "org"): Promise<{ slug: string; id: string }> {
  const slug = uniqueSlug(stem);
  const created = await call<{ org: { id: string } }>("POST", "/api/v1/orgs", { cookie: owner.cookie, body: { name: `Org ${slug}`, slug } });
  if (created.status !== 201) throw new Error(`create org answered ${created.status}: ${JSON.stringify(created.body)}`);
  return { slug, id: created.body.org.id };
}

let emailCounter = 0;

/** A unique email address for this test run. */
export function uniqueEmail(stem: string): string {
  emailCounter++;
  return `${stem}.${Date.now().toString(36)}.${emailCounter}@example.com`;
}

export { env };

/**
 * Makes `user` a member of `org` with `role` straight in the database. Invitations are
 * the product's way in; tests that only need members seed them here, before the
 * organization's room first loads: a room keeps an index of its members and rebuilds it
 * only when the room version moved (docs/decisions/0016-room-index-and-overlapping-commits.md),
 * so a member seeded later is a second writer it does not see.
 */
export async function seedMember(org: { id: string }, user: SignedIn, role: string): Promise<void> {
  const { createClient } = await import("@libsql/client/web");
  const client = createClient({ url: env.DATABASE_URL ?? "" });
  const now = Date.now();
  const slug = await client.execute({ sql: "SELECT slug, name FROM organizations WHERE id = ?", args: [org.id] });
  const row = slug.rows[0];
  await client.batch(
    [
      {
        sql: "INSERT INTO memberships (org_id, user_id, role, user_name, user_email, joined_via, joined_at) VALUES (?, ?, ?, '', ?, 'api', ?)",
        args: [org.id, user.userId, role, user.email, now],
      },
      {
        sql: "INSERT INTO user_memberships (user_id, org_id, org_slug, org_name, role, joined_at) VALUES (?, ?, ?, ?, ?, ?)",
        args: [user.userId, org.id, String(row?.slug), String(row?.name), role, now],
      },
    ],
    "write",
  );
  client.close();
}

/**
 * The newest mail in the dev mailbox for `email` that satisfies `match`. Mail leaves the
 * outbox after the command commits, so this waits for it (up to 5 s).
 */
export async function latestMail(
  email: string,
  match: (mail: { subject: string; text: string }) => boolean = () => true,
): Promise<{ subject: string; text: string; html: string }> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const { body } = await call<{ messages: Array<{ subject: string; text: string; html: string }> }>(
      "GET",
      `/api/v1/dev/mailbox?to=${encodeURIComponent(email)}`,
    );
    const mail = body.messages.find(match);
    if (mail) return mail;
    if (Date.now() > deadline) throw new Error(`no matching mail for ${email}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
