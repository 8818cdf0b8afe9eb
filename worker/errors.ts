import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * Every error code the API can answer, with its HTTP status. Codes are part of the public
 * contract: clients branch on them, so they are stable and documented.
 */
export const errorStatus = {
  invalid_json: 400,
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  last_owner: 409,
  seats_exhausted: 409,
  already_member: 409,
  already_invited: 409,
  invitation_not_pending: 409,
  invitation_pending: 409,
  invitation_expired: 410,
  email_mismatch: 403,
  domain_not_allowed: 403,
  org_unavailable: 409,
  confirmation_mismatch: 422,
  link_invalid: 404,
  user_not_found: 404,
  slug_taken: 409,
  seat_limit_cap: 403,
  username_taken: 409,
  project_name_taken: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  upgrade_required: 426,
  rate_limited: 429,
  login_link_invalid: 400,
  webhook_rejected: 400,
  internal_error: 500,
  misconfigured: 500,
  database_unavailable: 503,
  idempotency_key_invalid: 400,
  idempotency_mismatch: 422,
  idempotency_in_progress: 409,
  idempotency_replay_unavailable: 409,
  idempotency_key_limit: 429,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof errorStatus;

/** JSON-safe details attached to an error (e.g. `{limit, used}` for seats). */
export type ErrorDetails = Record<string, unknown>;

/**
 * The one error type domain and route code throw. It carries a code, never a status:
 * only the HTTP edge maps codes to statuses.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, message: string, details?: ErrorDetails) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.details = details;
  }

  get status(): ContentfulStatusCode {
    return errorStatus[this.code];
  }
}
