import { and, eq, inArray, isNull, lte, or, sql } from "drizzle-orm";
import { idempotencyKeys, type IdempotencyKey } from "../../db/schema/index.ts";
import type { Database } from "../lib/database.ts";
import { idempotencyTtlMs, maxLiveKeysPerPrincipal, sweepBatch } from "./policy.ts";

/** One key of one principal in its scope, and the request that uses it. */
export interface KeyRef {
  scope: string;
  principal: string;
  key: string;
  fingerprint: string;
}

/**
 * What claiming a key found: it is ours now (since `claimedAt`), or the row already there,
 * or the principal holds {@link maxLiveKeysPerPrincipal} live keys in the scope already.
 */
export type Claim = { outcome: "claimed"; claimedAt: number } | { outcome: "exists"; row: IdempotencyKey } | { outcome: "limit" };

function same(ref: KeyRef) {
  return and(eq(idempotencyKeys.scope, ref.scope), eq(idempotencyKeys.principal, ref.principal), eq(idempotencyKeys.key, ref.key));
}

/**
 * Claims `ref` by inserting its row (status null: running), unless the principal already
 * holds {@link maxLiveKeysPerPrincipal} live keys in the scope (the count and the insert are
 * one statement, so concurrent claims cannot pass the cap together). In the same
 * transaction it first deletes this key's row if it expired and up to {@link sweepBatch}
 * other expired rows, so expired keys are ignored and the table stays small without a
 * sweeper of its own. If the row exists and is live, answers it instead.
 */
export async function claim(db: Database, ref: KeyRef, now: number): Promise<Claim> {
  const expired = db
    .select({ rowid: sql<number>`rowid` })
    .from(idempotencyKeys)
    .where(lte(idempotencyKeys.expiresAt, new Date(now)))
    .limit(sweepBatch);
  const [, inserted, rows] = await db.batch([
    db.delete(idempotencyKeys).where(and(lte(idempotencyKeys.expiresAt, new Date(now)), or(same(ref), inArray(sql`rowid`, expired)))),
    db.all<{ created_at: number }>(sql`
      INSERT INTO ${idempotencyKeys} (scope, principal, key, fingerprint, status, body, content_type, created_at, expires_at)
      SELECT ${ref.scope}, ${ref.principal}, ${ref.key}, ${ref.fingerprint}, NULL, NULL, NULL, ${now}, ${now + idempotencyTtlMs}
      WHERE (
        SELECT count(*) FROM (
          SELECT 1 FROM ${idempotencyKeys}
          WHERE scope = ${ref.scope} AND principal = ${ref.principal} AND expires_at > ${now}
          LIMIT ${maxLiveKeysPerPrincipal}
        )
      ) < ${maxLiveKeysPerPrincipal}
      ON CONFLICT DO NOTHING
      RETURNING created_at`),
    db.select().from(idempotencyKeys).where(same(ref)),
  ]);
  if (inserted.length > 0) return { outcome: "claimed", claimedAt: now };
  const row = rows[0];
  // Not inserted and no row: the count refused it.
  return row ? { outcome: "exists", row } : { outcome: "limit" };
}

/** The key's row as it is now, or null once it was released or expired. */
export async function read(db: Database, ref: KeyRef, now: number): Promise<IdempotencyKey | null> {
  const [row] = await db.select().from(idempotencyKeys).where(same(ref));
  return row && row.expiresAt.getTime() > now ? row : null;
}

/** Records the answer of the claim made at `claimedAt` (body null: not replayable). */
export async function complete(db: Database, ref: KeyRef, claimedAt: number, status: number, body: string | null, contentType: string | null): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set({ status, body, contentType })
    .where(and(same(ref), isNull(idempotencyKeys.status), eq(idempotencyKeys.createdAt, new Date(claimedAt))));
}

/** Forgets the claim made at `claimedAt`, so a retry with the key runs the request again. */
export async function release(db: Database, ref: KeyRef, claimedAt: number): Promise<void> {
  await db.delete(idempotencyKeys).where(and(same(ref), isNull(idempotencyKeys.status), eq(idempotencyKeys.createdAt, new Date(claimedAt))));
}

