import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../env.ts";
import { AppError } from "../errors.ts";
import { sha256Hex } from "./hash.ts";

export interface RateDecision {
  allowed: boolean;
  /** When refused: milliseconds until the oldest counted hit leaves the window. */
  retryAfterMs: number;
}

/**
 * A sliding-window rate limiter, one object per limited key (an email, a client address).
 * Hits are kept in the object's own storage, so a restart forgets nothing.
 */
export class RateLimiter extends DurableObject<Bindings> {
  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS hits (at INTEGER NOT NULL)");
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS grants (at INTEGER NOT NULL, n INTEGER NOT NULL)");
  }

  async take(limit: number, windowMs: number, now: number): Promise<RateDecision> {
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM hits WHERE at <= ?", now - windowMs);
    const rows = sql.exec<{ at: number }>("SELECT at FROM hits ORDER BY at LIMIT ?", limit).toArray();
    if (rows.length >= limit) {
      const oldest = rows[0]?.at ?? now;
      return { allowed: false, retryAfterMs: Math.max(1000, oldest + windowMs - now) };
    }
    sql.exec("INSERT INTO hits (at) VALUES (?)", now);
    return { allowed: true, retryAfterMs: 0 };
  }

  /**
   * A budget of `limit` units per sliding window handed out in blocks: grants up to `want`
   * units (fewer when the window has fewer left, none when it has none) and counts what it
   * granted. When it grants less than `want`, `retryAfterMs` says when the oldest grant
   * leaves the window.
   */
  async grant(want: number, limit: number, windowMs: number, now: number): Promise<{ granted: number; retryAfterMs: number }> {
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM grants WHERE at <= ?", now - windowMs);
    const row = sql.exec<{ used: number; oldest: number | null }>("SELECT coalesce(sum(n), 0) AS used, min(at) AS oldest FROM grants").one();
    const granted = Math.max(0, Math.min(want, limit - row.used));
    if (granted > 0) sql.exec("INSERT INTO grants (at, n) VALUES (?, ?)", now, granted);
    const retryAfterMs = granted < want ? Math.max(1000, (row.oldest ?? now) + windowMs - now) : 0;
    return { granted, retryAfterMs };
  }
}

export interface RateLimit {
  /** What is limited, e.g. `magic-link:email`. */
  name: string;
  limit: number;
  windowMs: number;
}

/** Counts a hit of `subject` against `rule`; throws 429 `rate_limited` over the limit. */
export async function enforceRateLimit(env: Bindings, rule: RateLimit, subject: string, now: number): Promise<void> {
  const key = `${rule.name}:${await sha256Hex(subject)}`;
  const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(key));
  const decision = await stub.take(rule.limit, rule.windowMs, now);
  if (!decision.allowed) {
    const retryAfterSeconds = Math.ceil(decision.retryAfterMs / 1000);
    throw new AppError("rate_limited", `Too many requests; try again in ${retryAfterSeconds} s.`, { retryAfterSeconds });
  }
}
