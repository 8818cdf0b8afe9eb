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

/**
 * Parses a JSON body once, up front, so malformed JSON gets the same 400 `invalid_json`
 * on every route (handlers and validators then read Hono's cached parse).
 */
export const parseJsonBody = createMiddleware<AppEnv>(async (c, next) => {
  if (methodsWithBody.has(c.req.method) && c.req.header("content-length") !== "0") {
    const type = c.req.header("content-type") ?? "";
    if (/^application\/([a-z.+-]*\+)?json\b/i.test(type)) {
      try {
        await c.req.json();
      } catch {
        throw new AppError("invalid_json", "The request body is not valid JSON.");
      }
    }
  }
  await next();
});
