/**
 * The benches' HTTP client for the Worker: undici's connection pool, keep-alive, as many
 * connections as requests in flight (the seats measure sends 500 at once). Not `fetch`: its
 * WHATWG layers cost the load generator 420–820 µs of CPU per request, on the two cores the
 * server needs (the request API: 100–190 µs).
 */
import { Pool } from "undici";
import type { BenchStack } from "./stack.ts";

/** Who a request is from: a session, an API key, and the client's address (`cf-connecting-ip`, which the sign-in limits key by). */
export interface Caller {
  cookie?: string;
  bearer?: string;
  address?: string;
}

export type Method = "GET" | "POST" | "PATCH" | "DELETE";

export class BenchApi {
  readonly #pool: Pool;
  readonly #origin: string;

  /** `origin`: the page a cookie mutation comes from (default: the stack's APP_URL). */
  constructor(stack: BenchStack, options: { origin?: string; timeoutMs?: number } = {}) {
    const timeout = options.timeoutMs ?? 30_000;
    this.#pool = new Pool(stack.url, { headersTimeout: timeout, bodyTimeout: timeout });
    this.#origin = options.origin ?? stack.appUrl;
  }

  /** One request as a browser on the origin (or an API client with a bearer key); `answeredAt` is the wall clock when the answer's head arrived. */
  async call<T = any>(method: Method, path: string, body?: unknown, who: Caller = {}): Promise<{ status: number; body: T; setCookie: string | undefined; answeredAt: number }> {
    const headers: Record<string, string> = { "cf-connecting-ip": who.address ?? "192.0.2.10" };
    if (who.cookie) headers.cookie = who.cookie;
    if (who.bearer) headers.authorization = `Bearer ${who.bearer}`;
    if (method !== "GET") headers.origin = this.#origin;
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await this.#pool.request({ method, path, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const answeredAt = performance.timeOrigin + performance.now();
    const text = await response.body.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    const setCookie = response.headers["set-cookie"];
    return { status: response.statusCode, body: parsed as T, setCookie: Array.isArray(setCookie) ? setCookie[0] : setCookie, answeredAt };
  }

  /** {@link call}, failing unless it answers `expected`; answers the body. */
  async must<T = any>(expected: number, method: Method, path: string, body?: unknown, who: Caller = {}): Promise<T> {
    const answer = await this.call<T>(method, path, body, who);
    if (answer.status !== expected) throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  /** Signs in through the magic link and the dev mailbox, as a person would; `profile` is then set on the account. */
  async signIn(email: string, address: string, profile?: { name?: string; username?: string }): Promise<{ userId: string; cookie: string; address: string }> {
    await this.must(202, "POST", "/api/v1/auth/magic-link", { email }, { address });
    const mailbox = await this.must<{ messages: Array<{ subject: string; text: string }> }>(200, "GET", `/api/v1/dev/mailbox?to=${encodeURIComponent(email)}`, undefined, { address });
    const text = mailbox.messages.find((m) => /sign-in/i.test(m.subject))?.text ?? "";
    const token = /token=([A-Za-z0-9_%-]+)/.exec(text)?.[1];
    if (!token) throw new Error(`no sign-in mail for ${email}`);
    const session = await this.call<{ user: { id: string } }>("POST", "/api/v1/auth/session", { token: decodeURIComponent(token) }, { address });
    if (session.status !== 200) throw new Error(`session answered ${session.status}: ${JSON.stringify(session.body)}`);
    const cookie = (session.setCookie ?? "").split(";")[0] ?? "";
    if (profile) await this.must(200, "PATCH", "/api/v1/me", profile, { cookie, address });
    return { userId: session.body.user.id, cookie, address };
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
