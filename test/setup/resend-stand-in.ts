import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the stand-in received. */
export interface ReceivedMail {
  path: string;
  authorization: string | undefined;
  idempotencyKey: string | undefined;
  body: unknown;
  /** What the stand-in answered: refused requests are recorded too. */
  status: number;
  /** A repeat of an idempotency key that went: answered as before, nothing sent. */
  replayed?: boolean;
  /** The ids answered for a request that went (Resend's ids of its mails). */
  ids?: string[];
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * A local stand-in of Resend's API for tests: `POST /emails` and `POST /emails/batch`
 * answer like Resend and are recorded; `GET /__received` lists what came in, with the
 * status answered. A `to` containing "fail500" gets a 500, one containing "fail422" a 422,
 * one containing "failsingle500" a 500 when sent alone (`POST /emails`); "flaky500" gets a
 * 500 the first time its idempotency key is seen, then goes; "rate429" gets a 429 with
 * `Retry-After: 2` the first time, then goes. Like Resend, a request repeating the key of one
 * that went is answered with the same ids and sends nothing again (`replayed: true`), so
 * "sent once" is one recorded 200 that is not a replay.
 */
export async function startResendStandIn(): Promise<{ url: string; stop(): Promise<void> }> {
  const received: ReceivedMail[] = [];
  /** Answers of requests that went, by idempotency key; keys seen at all. */
  const went = new Map<string, unknown>();
  const seen = new Set<string>();
  /** Bodies answered 429 once (a 429 is about the pace, not the key: a retry under another key is the same mail). */
  const limited = new Set<string>();
  let counter = 0;
  const server = createServer(async (req, res) => {
    // Resend's error bodies carry their status: `{statusCode, name, message}`.
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method === "GET" && req.url === "/__received") return json(200, received);
    if (req.method !== "POST" || !req.url?.startsWith("/emails")) return json(404, { statusCode: 404, name: "not_found", message: "Not found" });
    const body: unknown = JSON.parse((await readBody(req)) || "null");
    const key = req.headers["idempotency-key"] as string | undefined;
    const record = (status: number, replayed = false) =>
      received.push({ path: req.url!, authorization: req.headers.authorization, idempotencyKey: key, body, status, ...(replayed ? { replayed } : {}) });
    if (key && went.has(key)) {
      record(200, true);
      return json(200, went.get(key));
    }
    const firstTry = key === undefined || !seen.has(key);
    if (key) seen.add(key);
    const to = JSON.stringify(body);
    const status =
      to.includes("fail500") || (to.includes("failsingle500") && req.url === "/emails") || (to.includes("flaky500") && firstTry)
        ? 500
        : to.includes("fail422")
          ? 422
          : to.includes("rate429") && !limited.has(to) && limited.add(to)
            ? 429
            : 200;
    record(status);
    if (status === 500) return json(500, { statusCode: 500, name: "internal_server_error", message: "boom" });
    if (status === 422) return json(422, { statusCode: 422, name: "validation_error", message: "invalid" });
    if (status === 429) return json(429, { statusCode: 429, name: "rate_limit_exceeded", message: "Too many requests" }, { "retry-after": "2" });
    const ids = req.url === "/emails/batch" ? (body as unknown[]).map(() => `standin_${++counter}`) : [`standin_${++counter}`];
    const answer = req.url === "/emails/batch" ? { data: ids.map((id) => ({ id })) } : { id: ids[0] };
    if (key) went.set(key, answer);
    received.at(-1)!.ids = ids;
    return json(200, answer);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
