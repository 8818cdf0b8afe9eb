import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { AppError } from "../errors.ts";

/** The largest request body the API reads: room for a bulk of 1,000 invitations. */
export const maxBodyBytes = 1024 * 1024;

export const limitBody = bodyLimit({
  maxSize: maxBodyBytes,
  onError: () => {
    throw new AppError("payload_too_large", `The request body exceeds ${maxBodyBytes} bytes.`);
  },
});

const methodsWithBody = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const jsonType = /^application\/([a-z.+-]*\+)?json\s*(;|$)/i;

/**
 * Every write that carries a body carries JSON: anything else is refused with 415 before a
 * route sees it (a route that reads its own body must never fall back to parsing text).
 * The body is parsed once, up front, so malformed JSON gets the same 400 `invalid_json` on
 * every route (handlers and validators then read Hono's cached parse).
 */
export const parseJsonBody = createMiddleware<AppEnv>(async (c, next) => {
  if (methodsWithBody.has(c.req.method) && hasBody(c.req.raw)) {
    if (!jsonType.test(c.req.header("content-type") ?? "")) {
      throw new AppError("unsupported_media_type", "Send the body as application/json.");
    }
    try {
      await c.req.json();
    } catch {
      throw new AppError("invalid_json", "The request body is not valid JSON.");
    }
  }
  await next();
});

/** A request has a body unless it says it is empty or carries no stream at all. */
function hasBody(request: Request): boolean {
  if (request.body === null) return false;
  const length = request.headers.get("content-length");
  return length === null || Number(length) > 0;
}
