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
 * The largest 4xx body kept as it is. Anyone with a credential can cause a 4xx, so a larger
 * one is kept as its error's code and (shortened) message only, never its details: a replay
 * is still a valid error answer with the same status and code.
 */
export const maxStoredErrorBytes = 4 * 1024;

/**
 * How many live keys (the last 24 hours') one principal may hold in one scope; a POST with
 * a new key past that is 429 `idempotency_key_limit` (without a key it runs as usual).
 * With {@link maxStoredBodyBytes} this bounds what one caller can make the table keep.
 */
export const maxLiveKeysPerPrincipal = 10_000;

/**
 * How long a repeat waits for the first request with its key to finish before it answers
 * 409 `idempotency_in_progress`.
 */
export const defaultWaitMs = 10_000;

/**
 * A claim older than this whose answer was never recorded (its Worker died, or the answer
 * could not be stored) has an unknown outcome: the route may have acted. It is never taken
 * over; a repeat answers 409 `idempotency_replay_unavailable` (`details.status` null).
 * Before that, a repeat waits and answers 409 `idempotency_in_progress`.
 */
export const claimLeaseMs = 60_000;

/** Delays of the background retries when storing an answer failed (then the claim stays unknown). */
export const completeRetryDelaysMs = [250, 1_000, 3_000];

/** How many expired keys one claim deletes on its way (the lazy sweep). */
export const sweepBatch = 50;

/**
 * Every path here is the request's path as the router sees it (`c.req.path`: percent-escapes
 * decoded), never the raw URL's, so `/api/v1/orgs/x/%61pi-keys` is `…/api-keys` here too.
 *
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
