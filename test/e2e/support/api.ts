import { randomBytes } from "node:crypto";
import { expect, inject } from "vitest";

/** An address nobody else in this run uses. */
export function uniqueEmail(who: string): string {
  return `${who}-${randomBytes(4).toString("hex")}@example.com`;
}

/**
 * A client address nobody else in this run uses, sent as `CF-Connecting-IP` (which Cloudflare
 * sets in production and `npm run dev` passes through): each person of a test is a client of
 * their own, as in life, so the sign-in limits per address see one person, not the whole run.
 */
export function uniqueAddress(): string {
  const [a, b, c] = randomBytes(3);
  return `10.${a}.${b}.${c}`;
}

/** A short lower-case suffix for names and slugs that must be unique in this run. */
export function uniqueSuffix(): string {
  return randomBytes(3).toString("hex");
}

export interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  /** `roster_session=…` from a sign-in; sent with an `origin` of the app on mutations. */
  cookie?: string;
  /** An organization API key. */
  bearer?: string;
  /** Overrides the `origin` header sent with a cookie mutation. */
  origin?: string;
  /** The client's address (`CF-Connecting-IP`); a fresh one per call unless given. */
  address?: string;
}

/** Calls the running app over plain fetch, as a non-browser client would. */
export async function call(path: string, options: CallOptions = {}): Promise<Answer> {
  const appUrl = inject("appUrl");
  const method = options.method ?? (options.body === undefined ? "GET" : "POST");
  const headers = new Headers();
  if (options.body !== undefined) headers.set("content-type", "application/json");
  if (options.cookie) {
    headers.set("cookie", options.cookie);
    // CSRF protection refuses cookie mutations from other origins; a browser would send this.
    if (method !== "GET") headers.set("origin", options.origin ?? appUrl);
  }
  if (options.bearer) headers.set("authorization", `Bearer ${options.bearer}`);
  headers.set("cf-connecting-ip", options.address ?? uniqueAddress());
  const response = await fetch(new URL(path, appUrl), {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null, headers: response.headers };
}

/** Reads `key` of a JSON object answer, failing the test when the shape is wrong. */
export function field<T = unknown>(value: unknown, ...keys: string[]): T {
  let current = value;
  for (const key of keys) {
    expect(current, `expected an object with "${key}"`).toBeTypeOf("object");
    current = (current as Record<string, unknown>)[key];
  }
  return current as T;
}

/** Asks for a sign-in link for `email` (202 whatever the account), from `address` if given. */
export async function requestSignInLink(email: string, address?: string): Promise<void> {
  const answer = await call("/api/v1/auth/magic-link", { body: { email }, ...(address ? { address } : {}) });
  expect(answer.status).toBe(202);
}

/** The newest sign-in link the dev mailbox holds for `email`. */
export async function latestSignInLink(email: string): Promise<string> {
  const answer = await call(`/api/v1/dev/mailbox?to=${encodeURIComponent(email)}`);
  expect(answer.status).toBe(200);
  const messages = field<Array<{ text: string }>>(answer.body, "messages");
  const link = messages[0]?.text.match(/https?:\/\/\S+\/auth\/callback\?token=\S+/)?.[0];
  expect(link, `a sign-in link in the dev mailbox of ${email}`).toBeDefined();
  return link as string;
}

/** Signs `email` in over the API; answers the session cookie (`roster_session=…`). */
export async function signInOverApi(email: string): Promise<string> {
  await requestSignInLink(email);
  const token = new URL(await latestSignInLink(email)).searchParams.get("token");
  const answer = await call("/api/v1/auth/session", { body: { token } });
  expect(answer.status).toBe(200);
  const cookie = answer.headers.getSetCookie().find((c) => c.startsWith("roster_session="));
  expect(cookie, "the session cookie").toBeDefined();
  return (cookie as string).split(";")[0] as string;
}
