import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import { databaseRetryAfterSeconds, databaseUnavailable, describeFailure, isDatabaseUnavailable } from "../lib/database-errors.ts";
import { errorBody } from "../views/error.ts";

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

/**
 * Renders an {@link AppError} as `{error: {code, message, details?, requestId}}`. A 503
 * always carries `Retry-After` (its `details.retryAfterSeconds`, else the database's).
 */
export function renderError(c: Context<AppEnv>, error: AppError): Response {
  const retryAfter = error.details?.retryAfterSeconds;
  if (typeof retryAfter === "number") c.header("Retry-After", String(retryAfter));
  else if (error.status === 503) c.header("Retry-After", String(databaseRetryAfterSeconds));
  return c.json(errorBody(error, c.get("requestId")), error.status);
}

/**
 * Renders every thrown error. A failure to reach the database answers 503 (clients retry);
 * other unknown errors are logged in full and never leak their message.
 */
export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof AppError) return renderError(c, err);
  if (err instanceof HTTPException) return renderError(c, fromHttpException(err));
  const where = `${c.req.method} ${new URL(c.req.url).pathname}`;
  if (isDatabaseUnavailable(err)) {
    // An outage, not a bug: one line per request, not a stack trace each.
    console.warn(`[roster] ${where}: the database is unavailable (request ${c.get("requestId")}): ${describeFailure(err)}`);
    return renderError(c, databaseUnavailable());
  }
  console.error(`[roster] ${where} failed (request ${c.get("requestId")}):`, err);
  return renderError(c, new AppError("internal_error", "Something went wrong on our side."));
};

export const onNotFound: NotFoundHandler<AppEnv> = (c) =>
  renderError(c, new AppError("not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`));
