import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq, lt } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { Resend } from "resend";
import { mailOutbox, webhookMessages } from "../../../db/schema/index.ts";
import type { TrackedDelivery } from "../../domain/mail.ts";
import type { AppEnv } from "../../env.ts";
import { AppError } from "../../errors.ts";
import { orgDatabase, userDatabase } from "../../lib/database.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { errors, json } from "../schemas.ts";

/** Resend's delivery events, and the invitation `delivery` each becomes. Others are taken and ignored. */
export const deliveryOfEvent: Record<string, TrackedDelivery> = {
  "email.sent": "sent",
  "email.delivered": "delivered",
  "email.delivery_delayed": "delayed",
  "email.bounced": "bounced",
  "email.complained": "complained",
  "email.failed": "failed",
};

/** The largest webhook body read: Resend's events are a few KiB; anything past this is refused (413) as it streams in. */
export const webhookMaxBytes = 256 * 1024;

/** Message ids are kept this long: past the signature's five-minute tolerance a replay is refused as stale anyway. */
const rememberMs = 10 * 60_000;

const Tags = z.union([z.record(z.string(), z.string()), z.array(z.object({ name: z.string(), value: z.string() })).transform((tags) => Object.fromEntries(tags.map((t) => [t.name, t.value])))]);
const Event = z.object({
  type: z.string(),
  data: z.object({ email_id: z.string().max(200), tags: Tags.optional() }).passthrough(),
});

const Received = z.object({
  received: z.literal(true),
  applied: z.boolean().openapi({ description: "Whether an invitation's delivery changed (false for other events, unknown or foreign mail, or an older mail)." }),
});

const route = createRoute({
  operationId: "receiveResendWebhook",
  security: [],
  method: "post",
  path: "/api/v1/webhooks/resend",
  tags: ["webhooks"],
  summary: "Resend delivery events (signed)",
  description:
    "Resend's delivery webhooks, verified with `RESEND_WEBHOOK_SECRET` by the Resend SDK's `webhooks.verify` (the `svix-id`, `svix-timestamp` and `svix-signature` headers over the raw body). " +
    "The body is read raw (at most 256 KiB, else 413 `payload_too_large`) and verified before anything in it is looked at. " +
    "Refused with 400 `webhook_rejected`: a wrong signature (`details.reason: signature`), a timestamp more than five minutes off (`stale`). " +
    "A message id taken before (Resend retrying after a lost answer) answers 200 and changes nothing. " +
    "`email.sent`, `email.delivered`, `email.delivery_delayed`, `email.bounced`, `email.complained` and `email.failed` set the invitation's `delivery` when the mail is the invitation's latest, only forward, and are published live. " +
    "Other events (any type, `contact.created`, `domain.updated` …), and events for mail Roster does not know (another deployment's, another organization's, a deleted organization's), change nothing and answer 200, so Resend stops retrying. 404 (as for any unknown route) when no secret is configured. " +
    "Authenticated by its signature: no cookie (no CSRF check), no Idempotency-Key.",
  // Declared loosely: the body is verified first, then read by the event parser; a schema
  // here would judge (and describe) unsigned bodies before the signature is checked.
  request: {
    body: {
      content: { "application/json": { schema: z.unknown().openapi({ type: "object", description: "Resend's event, as signed: `{type, created_at, data}`" }) } },
    },
  },
  responses: { 200: json(Received, "Taken"), ...errors(400, 404) },
});

/**
 * Reads the webhook's raw body before the JSON middleware parses it: the signature covers the
 * bytes as sent, and Hono would otherwise hand back a re-serialized parse.
 */
export const keepRawBody = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.method === "POST") {
    const length = Number(c.req.header("content-length") ?? 0);
    if (length > webhookMaxBytes) throw tooLarge();
    // Read from a copy, and kept as the request's text: the JSON middleware then parses that
    // text, and the route reads it back byte for byte (the original stream stays unread).
    const text = await readAtMost(c.req.raw.clone(), webhookMaxBytes);
    // (Hono keeps body promises there, though its type says strings.)
    (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(text);
  }
  await next();
});

const tooLarge = () => new AppError("payload_too_large", `The webhook body exceeds ${webhookMaxBytes} bytes.`);

/** The body as text, read byte by byte up to `max`: past it the read stops and 413 is thrown (whatever `Content-Length` said). */
async function readAtMost(request: Request, max: number): Promise<string> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

const rejected = (reason: "signature" | "stale", message: string) => new AppError("webhook_rejected", message, { reason });

/** Verifies the signature and freshness through the Resend SDK; answers the message id. */
function verify(secret: string, payload: string, header: (name: string) => string | undefined): string {
  const id = header("svix-id") ?? header("webhook-id") ?? "";
  const timestamp = header("svix-timestamp") ?? header("webhook-timestamp") ?? "";
  const signature = header("svix-signature") ?? header("webhook-signature") ?? "";
  try {
    // The SDK's verify needs no API key; the client only carries it.
    new Resend("re_webhook_verification_only").webhooks.verify({ payload, headers: { id, timestamp, signature }, webhookSecret: secret });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/timestamp too (old|new)/i.test(message)) throw rejected("stale", "The webhook's timestamp is more than five minutes off.");
    throw rejected("signature", "The webhook's signature does not verify.");
  }
  return id;
}

/** The signed body as JSON; a signed body that is not JSON is an event nobody knows (null). */
function parseJson(payload: string): unknown {
  try {
    return JSON.parse(payload);
  } catch {
    return null;
  }
}

/** Remembers a message id; false when it was taken before (a replay). Old ids are dropped on the way. */
async function remember(c: { env: AppEnv["Bindings"] }, id: string, now: number): Promise<boolean> {
  const db = userDatabase(c.env);
  const [, inserted] = await db.batch([
    db.delete(webhookMessages).where(lt(webhookMessages.receivedAt, new Date(now - rememberMs))),
    db.insert(webhookMessages).values({ id, receivedAt: new Date(now) }).onConflictDoNothing().returning({ id: webhookMessages.id }),
  ]);
  return inserted.length === 1;
}

export function registerResendWebhook(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const secret = c.env.RESEND_WEBHOOK_SECRET;
    // Unconfigured, it is answered as a route that does not exist (the operator's log says why).
    if (!secret) {
      console.warn("[roster] a Resend webhook arrived, but RESEND_WEBHOOK_SECRET is not set");
      throw new AppError("not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`);
    }
    const payload = await c.req.text();
    const messageId = verify(secret, payload, (name) => c.req.header(name));
    const now = c.var.clock.now();
    // Taken before: Resend retrying a message whose answer it lost. Done already; say so.
    if (!(await remember(c, messageId, now))) return c.json({ received: true as const, applied: false }, 200);
    try {
      const parsed = Event.safeParse(parseJson(payload));
      const delivery = parsed.success ? deliveryOfEvent[parsed.data.type] : undefined;
      const tags = parsed.success ? parsed.data.data.tags : undefined;
      if (!parsed.success || !delivery || !tags?.["org"] || !tags["mail"]) return c.json({ received: true as const, applied: false }, 200);
      const orgId = tags["org"];
      const [mail] = await orgDatabase(c.env, orgId)
        .select({ invitationId: mailOutbox.invitationId, providerId: mailOutbox.providerId })
        .from(mailOutbox)
        .where(and(eq(mailOutbox.id, tags["mail"]), eq(mailOutbox.orgId, orgId)));
      // Unknown, another organization's, or another deployment's mail (Resend's id differs): nothing.
      const ours = mail && (mail.providerId === null || mail.providerId === parsed.data.data.email_id);
      if (!ours || !mail.invitationId) return c.json({ received: true as const, applied: false }, 200);
      let applied: boolean;
      try {
        ({ applied } = unwrap(await orgRoom(c.env, orgId).recordDelivery(orgId, { invitationId: mail.invitationId, mailId: tags["mail"], delivery })));
      } catch (error) {
        // A deleted organization (or one gone altogether) has no invitation left to follow its
        // mail: taken, nothing to change, and Resend must not retry it forever.
        if (error instanceof AppError && (error.code === "org_unavailable" || error.code === "not_found")) {
          return c.json({ received: true as const, applied: false }, 200);
        }
        throw error;
      }
      return c.json({ received: true as const, applied }, 200);
    } catch (error) {
      // Not taken after all: Resend's retry of this message must get through.
      await userDatabase(c.env).delete(webhookMessages).where(eq(webhookMessages.id, messageId)).catch(() => undefined);
      throw error;
    }
  });
}
