import type { Bindings } from "../env.ts";
import { userDatabase } from "../lib/database.ts";
import { sha256Hex } from "../lib/hash.ts";

/** Resend's default rate for an account: 2 requests per second. */
export const defaultRequestsPerSecond = 2;

/** The longest a request waits for its slot in the Worker; past it, the mail is rescheduled. */
export const maxWaitMs = 5_000;

/** The deployment's request rate to Resend (`RESEND_REQUESTS_PER_SECOND`, default 2). */
export function requestsPerSecond(env: Bindings): number {
  const configured = Number(env.RESEND_REQUESTS_PER_SECOND);
  return Number.isFinite(configured) && configured > 0 ? configured : defaultRequestsPerSecond;
}

/**
 * Claims the next request slot of the Resend account behind `apiKey`, across every room and
 * Worker of the deployment: one atomic upsert on the `mail_pace` row moves the account's
 * next free slot one interval on and answers when this request may start. The account is
 * named by a hash of its key, so two deployments (or tests) with their own keys never share
 * a row. Answers how long to wait (0: go now).
 *
 * A slot is claimed only when its wait is at most `maxWait` (the upsert's condition): a
 * caller that would have to wait longer takes nothing and is told the wait, so a burst of
 * refused requests cannot push the pace ever further out and starve the ones that follow.
 */
export async function claimSlot(env: Bindings, apiKey: string, now: number, maxWait = maxWaitMs): Promise<number> {
  const interval = Math.ceil(1000 / requestsPerSecond(env));
  const id = `resend:${(await sha256Hex(apiKey)).slice(0, 16)}`;
  const [claimed, current] = await userDatabase(env).$client.batch(
    [
      {
        sql:
          "INSERT INTO mail_pace (id, next_at) VALUES (?1, ?2 + ?3) " +
          "ON CONFLICT (id) DO UPDATE SET next_at = max(next_at, ?2) + ?3 WHERE max(next_at, ?2) <= ?2 + ?4 " +
          "RETURNING next_at - ?3 AS start",
        args: [id, now, interval, maxWait],
      },
      { sql: "SELECT next_at FROM mail_pace WHERE id = ?", args: [id] },
    ],
    "write",
  );
  const start = claimed?.rows[0]?.["start"];
  // Not claimed: the account's next free slot is too far off; answer how far.
  if (start === undefined || start === null) return Math.max(maxWait + 1, Number(current?.rows[0]?.["next_at"] ?? now) - now);
  return Math.max(0, Number(start) - now);
}
