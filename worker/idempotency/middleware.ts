import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { IdempotencyKey } from "../../db/schema/index.ts";
import type { AppEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import { describeFailure } from "../lib/database-errors.ts";
import { sha256Hex } from "../lib/hash.ts";
import {
  answerIsStored,
  claimLeaseMs,
  completeRetryDelaysMs,
  defaultWaitMs,
  idempotencyKeyShape,
  keyIsHonoured,
  maxLiveKeysPerPrincipal,
  maxStoredBodyBytes,
  maxStoredErrorBytes,
} from "./policy.ts";
import { keyScope, type KeyScope } from "./scope.ts";
import { seal, unseal } from "./seal.ts";
import { claim, complete, read, release, type Claim, type KeyRef } from "./store.ts";

export interface IdempotencyOptions {
  /** How long a repeat waits for the first request to finish (default 10 s). */
  waitMs?: number;
}

/** The header a replayed answer carries. */
export const replayedHeader = "Idempotent-Replayed";

const pollMs = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `Idempotency-Key` on every POST under /api/v1 (docs/decisions/0008-idempotency-keys.md).
 * Runs after the credential is read and the CSRF check, before the route's own middleware:
 * it claims the key (an INSERT) before the route runs, so of two requests with one key only
 * one ever acts; the other waits for its answer and replays it.
 *
 * Every decision (is the key honoured, its scope, is the answer stored, the fingerprint)
 * is made on `c.req.path`, the path the router matched (percent-escapes decoded), never on
 * the raw URL: `/api/v1/orgs/x/%61pi-keys` is the api-keys route to both.
 */
export function idempotency(options: IdempotencyOptions = {}) {
  const waitMs = options.waitMs ?? defaultWaitMs;
  return createMiddleware<AppEnv>(async (c, next) => {
    if (c.req.method !== "POST") return next();
    const key = c.req.header("idempotency-key");
    if (key === undefined) return next();
    if (!idempotencyKeyShape.test(key)) {
      throw new AppError("idempotency_key_invalid", "Idempotency-Key must be 1 to 255 printable ASCII characters.", { maxLength: 255 });
    }
    const path = c.req.path;
    if (!keyIsHonoured(path)) return next();
    const where = await keyScope(c, path);
    if (!where) return next();
    // parseJsonBody already read the body, so this is its cached text: the raw bytes sent.
    const body = c.req.raw.body === null ? "" : await c.req.text();
    const search = new URL(c.req.url).search;
    const fingerprint = await sha256Hex(`POST\n${path}${search}\n${where.principal}\n${where.authority}\n${body}`);
    const ref: KeyRef = { scope: where.scope, principal: where.principal, key, fingerprint };
    const deadline = Date.now() + waitMs;
    for (;;) {
      const now = c.var.clock.now();
      let found: Claim;
      try {
        found = await claim(where.db, ref, now);
      } catch (error) {
        // The claim may have been written with its acknowledgement lost; the route has not
        // run, so forget it (best effort) rather than leave a retry blocked for a day.
        await release(where.db, ref, now).catch((failure: unknown) => logFailure(c, "release", failure));
        throw error;
      }
      if (found.outcome === "claimed") return run(c, next, where, ref, path, found.claimedAt);
      if (found.outcome === "limit") {
        throw new AppError(
          "idempotency_key_limit",
          `This caller already holds ${maxLiveKeysPerPrincipal} Idempotency-Keys from the last 24 hours here; send the request without one, or later.`,
          { limit: maxLiveKeysPerPrincipal, retryAfterSeconds: 3600 },
        );
      }
      let row: IdempotencyKey | null = found.row;
      while (row) {
        if (row.fingerprint !== fingerprint) {
          throw new AppError(
            "idempotency_mismatch",
            "This Idempotency-Key was used with another request (method, path, body, or the caller's role); use a new key.",
          );
        }
        if (row.status !== null) return replay(c, ref, row);
        if (c.var.clock.now() - row.createdAt.getTime() > claimLeaseMs) {
          // Never taken over: the route may have acted (the Worker died, or its answer could
          // not be stored), so running it again could act twice.
          throw replayUnavailable(null);
        }
        if (Date.now() >= deadline) {
          throw new AppError("idempotency_in_progress", "A request with this Idempotency-Key is still running; retry shortly.", { retryAfterSeconds: 1 });
        }
        await sleep(pollMs);
        row = await read(where.db, ref, c.var.clock.now());
      }
      // Released (the first attempt failed) or expired: claim it again.
    }
  });
}

/**
 * Runs the route under the claim, then stores its answer; releases the key on a 5xx (but
 * a 503) or a 429. A 503 `database_unavailable` keeps the key with an unknown outcome: the
 * database may have failed after the route's writes were sent and committed.
 */
async function run(c: Context<AppEnv>, next: () => Promise<void>, where: KeyScope, ref: KeyRef, path: string, claimedAt: number): Promise<void> {
  try {
    await next();
  } catch (error) {
    if (error instanceof AppError && error.code === "database_unavailable") {
      await record(c, where, ref, claimedAt, 503, null, null);
    } else {
      await release(where.db, ref, claimedAt).catch((failure: unknown) => logFailure(c, "release", failure));
    }
    throw error;
  }
  const answer = c.res;
  if (answer.status === 503) {
    await record(c, where, ref, claimedAt, 503, null, null);
    return;
  }
  // Any other 5xx is a bug answered before or instead of a commit, and a 429 is "later":
  // neither is an answer to keep, so a retry with the key runs again.
  if (answer.status >= 500 || answer.status === 429) {
    await release(where.db, ref, claimedAt).catch((failure: unknown) => logFailure(c, "release", failure));
    return;
  }
  let body: string | null = null;
  let contentType: string | null = null;
  try {
    const text = answerIsStored(path) ? await keptText(answer) : null;
    if (text !== null) {
      body = await seal(c.env, sealContext(ref), text);
      contentType = answer.headers.get("content-type");
    }
  } catch (failure) {
    logFailure(c, "seal the answer of", failure);
  }
  await record(c, where, ref, claimedAt, answer.status, body, contentType);
}

/**
 * The text kept for a replay of `answer`, or null when it is not kept: a 2xx up to
 * {@link maxStoredBodyBytes} as it is; a 4xx up to {@link maxStoredErrorBytes} as it is,
 * a larger one as its code and shortened message only.
 */
async function keptText(answer: Response): Promise<string | null> {
  const text = await answer.clone().text();
  const bytes = new TextEncoder().encode(text).byteLength;
  if (answer.status >= 400) return bytes <= maxStoredErrorBytes ? text : shortenedError(text);
  return bytes <= maxStoredBodyBytes ? text : null;
}

/** An error answer reduced to its code and message (at most 500 characters), or null if it is none. */
function shortenedError(text: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const error = (parsed as { error?: { code?: unknown; message?: unknown; requestId?: unknown } } | null)?.error;
  if (!error || typeof error.code !== "string" || error.code.length > 100) return null;
  const message = typeof error.message === "string" ? error.message.slice(0, 500) : "";
  const requestId = typeof error.requestId === "string" && error.requestId.length <= 100 ? { requestId: error.requestId } : {};
  return JSON.stringify({ error: { code: error.code, message, details: { truncated: true }, ...requestId } });
}

/**
 * Stores the claim's answer. If that fails, retries in the background a few times
 * ({@link completeRetryDelaysMs}); a claim that never gets its answer stays running, and
 * after its lease every repeat answers 409 `idempotency_replay_unavailable`: never a second run.
 */
async function record(c: Context<AppEnv>, where: KeyScope, ref: KeyRef, claimedAt: number, status: number, body: string | null, contentType: string | null): Promise<void> {
  try {
    await complete(where.db, ref, claimedAt, status, body, contentType);
    return;
  } catch (failure) {
    logFailure(c, "store the answer for", failure);
  }
  const retries = (async () => {
    for (const delay of completeRetryDelaysMs) {
      await sleep(delay);
      try {
        await complete(where.db, ref, claimedAt, status, body, contentType);
        return;
      } catch (failure) {
        logFailure(c, "store (retrying) the answer for", failure);
      }
    }
  })();
  try {
    c.executionCtx.waitUntil(retries);
  } catch {
    // No execution context (the app called directly, as tests do): the retries run on their own.
  }
}

function replayUnavailable(status: number | null): AppError {
  return status === null || status === 503
    ? new AppError(
        "idempotency_replay_unavailable",
        "A request with this Idempotency-Key may have acted, but its answer is unknown (it failed or was interrupted); check its effect, then use a new key.",
        { status },
      )
    : new AppError(
        "idempotency_replay_unavailable",
        "A request with this Idempotency-Key already ran; its answer is not kept (it held a secret shown once, or was too large).",
        { status },
      );
}

/** The first request's answer again, or 409 when it was not kept. */
async function replay(c: Context<AppEnv>, ref: KeyRef, row: IdempotencyKey): Promise<Response> {
  const status = row.status ?? 500;
  let text: string | null = null;
  if (row.body !== null) {
    text = await unseal(c.env, sealContext(ref), row.body).catch(() => null);
  }
  if (text === null) throw replayUnavailable(status);
  c.header(replayedHeader, "true");
  if (row.contentType) c.header("Content-Type", row.contentType);
  if (status === 204 || status === 205) return c.body(null, status);
  return c.body(text, status as ContentfulStatusCode);
}

function sealContext(ref: KeyRef): string {
  return `${ref.scope}\n${ref.principal}\n${ref.key}\n${ref.fingerprint}`;
}

function logFailure(c: Context<AppEnv>, what: string, failure: unknown): void {
  console.warn(`[roster] Idempotency-Key: could not ${what} ${c.req.method} ${c.req.path} (request ${c.get("requestId")}): ${describeFailure(failure)}`);
}
