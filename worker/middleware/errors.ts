import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../env.ts";
import { AppError, errorBody, type ErrorCode } from "../errors.ts";

function fromHttpException(error: HTTPException): AppError {
  switch (error.status) {
    case 400:
      return /json/i.test(error.message)
        ? new AppError("invalid_json", "The request body is not valid JSON.")
        : new AppError("validation_failed", error.message || "The request is invalid.");
    case 401:
      return new AppError("unauthenticated", "Sign in or send an API key.");
    case 403:
      return new AppError("forbidden", error.message || "Not allowed.");
    case 404:
      return new AppError("not_found", "Not found.");
    case 413:
      return new AppError("payload_too_large", "The request body is too large.");
    case 415:
      return new AppError("unsupported_media_type", "Send the body as application/json.");
    default:
      return new AppError("internal_error", "Something went wrong on our side.");
  }
}

/** Renders an {@link AppError} as `{error: {code, message, details?, requestId}}`. */
export function renderError(c: Context<AppEnv>, error: AppError): Response {
  const retryAfter = error.details?.retryAfterSeconds;
  if (typeof retryAfter === "number") c.header("Retry-After", String(retryAfter));
  return c.json(errorBody(error, c.get("requestId")), error.status);
}

/** Renders every thrown error; unknown ones are logged and never leak their message. */
export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof AppError) return renderError(c, err);
  if (err instanceof HTTPException) return renderError(c, fromHttpException(err));
  console.error(`[roster] ${c.req.method} ${new URL(c.req.url).pathname} failed (request ${c.get("requestId")}):`, err);
  return renderError(c, new AppError("internal_error", "Something went wrong on our side."));
};

export const onNotFound: NotFoundHandler<AppEnv> = (c) =>
  renderError(c, new AppError("not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`));

/** Throws the error for `code`; a helper for handlers that end in an error answer. */
export function fail(code: ErrorCode, message: string, details?: Record<string, unknown>): never {
  throw new AppError(code, message, details);
}
