/**
 * The rules of `Idempotency-Key` (docs/decisions/0008-idempotency-keys.md): what a key may
 * look like, how long it lives, how much of an answer is kept, and which answers are never
 * stored.
 */

/** 1–255 printable ASCII characters (space to `~`), as Stripe accepts. */
export const idempotencyKeyShape = /^[\x20-\x7e]{1,255}$/;

/** How long a key is remembered in its scope. */
export const idempotencyTtlMs = 24 * 60 * 60 * 1000;

/** The largest answer body kept for replay; a larger answer is recorded as not replayable. */
export const maxStoredBodyBytes = 1024 * 1024;

/**
 * How long a repeat waits for the first request with its key to finish before it answers
 * 409 `idempotency_in_progress`.
 */
export const defaultWaitMs = 10_000;

/**
 * A claim older than this whose request never finished (its Worker died between the claim
 * and the answer) is abandoned: the next repeat takes it over and runs the request.
 */
export const claimLeaseMs = 60_000;

/** How many expired keys one claim deletes on its way (the lazy sweep). */
export const sweepBatch = 50;

/**
 * POSTs whose answers are never stored: they carry a long-lived secret shown once (a new
 * API key's `secret`). A repeat still never acts twice; it answers 409
 * `idempotency_replay_unavailable` with the first answer's status.
 */
const notStored: RegExp[] = [/^\/api\/v1\/orgs\/[^/]+\/api-keys$/];

export function answerIsStored(path: string): boolean {
  return !notStored.some((pattern) => pattern.test(path));
}

/**
 * POSTs where the header is checked but not honoured: the sign-in routes, which anyone may
 * call without credentials and whose answer is mostly a cookie (never stored).
 */
export function keyIsHonoured(path: string): boolean {
  return !path.startsWith("/api/v1/auth/");
}
