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
 */
export async function claimSlot(env: Bindings, apiKey: string, now: number): Promise<number> {
  const interval = Math.ceil(1000 / requestsPerSecond(env));
  const id = `resend:${(await sha256Hex(apiKey)).slice(0, 16)}`;
  const result = await userDatabase(env).$client.execute({
    sql:
      "INSERT INTO mail_pace (id, next_at) VALUES (?, ? + ?) " +
      "ON CONFLICT (id) DO UPDATE SET next_at = max(next_at, excluded.next_at - ?) + ? RETURNING next_at - ? AS start",
    args: [id, now, interval, interval, interval, interval],
  });
  const start = Number(result.rows[0]?.["start"] ?? now);
  return Math.max(0, start - now);
}
