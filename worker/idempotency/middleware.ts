import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { IdempotencyKey } from "../../db/schema/index.ts";
import type { AppEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import { describeFailure } from "../lib/database-errors.ts";
import { sha256Hex } from "../lib/hash.ts";
import { answerIsStored, claimLeaseMs, defaultWaitMs, idempotencyKeyShape, keyIsHonoured, maxStoredBodyBytes } from "./policy.ts";
import { keyScope, type KeyScope } from "./scope.ts";
import { seal, unseal } from "./seal.ts";
import { claim, complete, read, release, takeOver, type KeyRef } from "./store.ts";

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
    const url = new URL(c.req.url);
    if (!keyIsHonoured(url.pathname)) return next();
    const where = await keyScope(c, url.pathname);
    if (!where) return next();
    // parseJsonBody already read the body, so this is its cached text: the raw bytes sent.
    const body = c.req.raw.body === null ? "" : await c.req.text();
    const fingerprint = await sha256Hex(`POST\n${url.pathname}${url.search}\n${where.principal}\n${body}`);
    const ref: KeyRef = { scope: where.scope, key, fingerprint };
    const deadline = Date.now() + waitMs;
    for (;;) {
      const found = await claim(where.db, ref, c.var.clock.now());
      if (found.claimed) return run(c, next, where, ref, found.claimedAt);
      let row: IdempotencyKey | null = found.row;
      while (row) {
        if (row.fingerprint !== fingerprint) {
          throw new AppError("idempotency_mismatch", "This Idempotency-Key was used with another request (method, path, body or caller); use a new key.");
        }
        if (row.status !== null) return replay(c, ref, row);
        if (c.var.clock.now() - row.createdAt.getTime() > claimLeaseMs) {
          const takenAt = await takeOver(where.db, ref, row, c.var.clock.now());
          if (takenAt !== null) return run(c, next, where, ref, takenAt);
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

/** Runs the route under the claim, then stores its answer, or releases the key on a 5xx or 429. */
async function run(c: Context<AppEnv>, next: () => Promise<void>, where: KeyScope, ref: KeyRef, claimedAt: number): Promise<void> {
  try {
    await next();
  } catch (error) {
    await release(where.db, ref, claimedAt).catch((failure: unknown) => logFailure(c, "release", failure));
    throw error;
  }
  const answer = c.res;
  // A 5xx changed nothing (a command commits whole or not at all), and a 429 is "later":
  // neither is an answer to keep, so a retry with the key runs again.
  if (answer.status >= 500 || answer.status === 429) {
    await release(where.db, ref, claimedAt).catch((failure: unknown) => logFailure(c, "release", failure));
    return;
  }
  try {
    const text = await answer.clone().text();
    const stored = answerIsStored(new URL(c.req.url).pathname) && new TextEncoder().encode(text).byteLength <= maxStoredBodyBytes;
    const body = stored ? await seal(c.env, sealContext(ref), text) : null;
    await complete(where.db, ref, claimedAt, answer.status, body, stored ? answer.headers.get("content-type") : null);
  } catch (failure) {
    // The route acted and its answer goes out; a repeat waits, then (after the claim's
    // lease) runs again. Nothing better is possible without the database.
    logFailure(c, "store the answer for", failure);
  }
}

/** The first request's answer again, or 409 when it was not kept. */
async function replay(c: Context<AppEnv>, ref: KeyRef, row: IdempotencyKey): Promise<Response> {
  const status = row.status ?? 500;
  let text: string | null = null;
  if (row.body !== null) {
    text = await unseal(c.env, sealContext(ref), row.body).catch(() => null);
  }
  if (text === null) {
    throw new AppError(
      "idempotency_replay_unavailable",
      "A request with this Idempotency-Key already ran; its answer is not kept (it held a secret shown once, or was too large).",
      { status },
    );
  }
  c.header(replayedHeader, "true");
  if (row.contentType) c.header("Content-Type", row.contentType);
  if (status === 204 || status === 205) return c.body(null, status);
  return c.body(text, status as ContentfulStatusCode);
}

function sealContext(ref: KeyRef): string {
  return `${ref.scope}\n${ref.key}\n${ref.fingerprint}`;
}

function logFailure(c: Context<AppEnv>, what: string, failure: unknown): void {
  console.warn(`[roster] Idempotency-Key: could not ${what} ${c.req.method} ${new URL(c.req.url).pathname} (request ${c.get("requestId")}): ${describeFailure(failure)}`);
}
