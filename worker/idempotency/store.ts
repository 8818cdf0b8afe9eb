import { and, eq, inArray, isNull, lte, or, sql } from "drizzle-orm";
import { idempotencyKeys, type IdempotencyKey } from "../../db/schema/index.ts";
import type { Database } from "../lib/database.ts";
import { idempotencyTtlMs, sweepBatch } from "./policy.ts";

/** One key in its scope, and the request that uses it. */
export interface KeyRef {
  scope: string;
  key: string;
  fingerprint: string;
}

/** What claiming a key found: it is ours now (since `claimedAt`), or someone's row. */
export type Claim = { claimed: true; claimedAt: number } | { claimed: false; row: IdempotencyKey };

function same(ref: KeyRef) {
  return and(eq(idempotencyKeys.scope, ref.scope), eq(idempotencyKeys.key, ref.key));
}

/**
 * Claims `ref` by inserting its row (status null: running). In the same transaction it
 * first deletes this key's row if it expired and up to {@link sweepBatch} other expired
 * rows, so expired keys are ignored and the table stays small without a sweeper of its own.
 * If the row exists and is live, answers it instead.
 */
export async function claim(db: Database, ref: KeyRef, now: number): Promise<Claim> {
  const expired = db
    .select({ rowid: sql<number>`rowid` })
    .from(idempotencyKeys)
    .where(lte(idempotencyKeys.expiresAt, new Date(now)))
    .limit(sweepBatch);
  const [, inserted, rows] = await db.batch([
    db.delete(idempotencyKeys).where(and(lte(idempotencyKeys.expiresAt, new Date(now)), or(same(ref), inArray(sql`rowid`, expired)))),
    db
      .insert(idempotencyKeys)
      .values({ ...ref, status: null, body: null, contentType: null, createdAt: new Date(now), expiresAt: new Date(now + idempotencyTtlMs) })
      .onConflictDoNothing()
      .returning({ createdAt: idempotencyKeys.createdAt }),
    db.select().from(idempotencyKeys).where(same(ref)),
  ]);
  if (inserted.length > 0) return { claimed: true, claimedAt: now };
  const row = rows[0];
  // Released between the insert and the read: not possible in one transaction, but a
  // missing row only means "try again".
  if (!row) return claim(db, ref, now);
  return { claimed: false, row };
}

/** The key's row as it is now, or null once it was released or expired. */
export async function read(db: Database, ref: KeyRef, now: number): Promise<IdempotencyKey | null> {
  const [row] = await db.select().from(idempotencyKeys).where(same(ref));
  return row && row.expiresAt.getTime() > now ? row : null;
}

/**
 * Takes over a claim whose request never finished (`row` is running and older than the
 * lease); answers the new claim's time, or null if someone else took it first.
 */
export async function takeOver(db: Database, ref: KeyRef, row: IdempotencyKey, now: number): Promise<number | null> {
  const taken = await db
    .update(idempotencyKeys)
    .set({ createdAt: new Date(now) })
    .where(and(same(ref), isNull(idempotencyKeys.status), eq(idempotencyKeys.createdAt, row.createdAt)))
    .returning({ key: idempotencyKeys.key });
  return taken.length > 0 ? now : null;
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
