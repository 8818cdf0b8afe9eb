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
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * A local stand-in of Resend's API for tests: `POST /emails` and `POST /emails/batch`
 * answer like Resend and are recorded; `GET /__received` lists what came in, with the
 * status answered; a `to` containing "fail500" gets a 500, one containing "fail422" a 422,
 * one containing "failsingle500" a 500 when sent alone (`POST /emails`).
 */
export async function startResendStandIn(): Promise<{ url: string; stop(): Promise<void> }> {
  const received: ReceivedMail[] = [];
  let counter = 0;
  const server = createServer(async (req, res) => {
    // Resend's error bodies carry their status: `{statusCode, name, message}`.
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method === "GET" && req.url === "/__received") return json(200, received);
    if (req.method !== "POST" || !req.url?.startsWith("/emails")) return json(404, { statusCode: 404, name: "not_found", message: "Not found" });
    const body: unknown = JSON.parse((await readBody(req)) || "null");
    const to = JSON.stringify(body);
    const status = to.includes("fail500") || (to.includes("failsingle500") && req.url === "/emails") ? 500 : to.includes("fail422") ? 422 : 200;
    received.push({
      path: req.url,
      authorization: req.headers.authorization,
      idempotencyKey: req.headers["idempotency-key"] as string | undefined,
      body,
      status,
    });
    if (status === 500) return json(500, { statusCode: 500, name: "internal_server_error", message: "boom" });
    if (status === 422) return json(422, { statusCode: 422, name: "validation_error", message: "invalid" });
    if (req.url === "/emails/batch") {
      return json(200, { data: (body as unknown[]).map(() => ({ id: `standin_${++counter}` })) });
    }
    return json(200, { id: `standin_${++counter}` });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
