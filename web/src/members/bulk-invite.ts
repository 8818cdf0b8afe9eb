import { maxBulkRows } from "../../../worker/domain/invitations.ts";
import type { BulkInvitationResultsView } from "../../../worker/views/index.ts";
import { ApiError, describeError, post } from "../api.ts";
import { chunks, type InviteRow } from "./bulk-input.ts";

/** What became of one row: invited (with its link, to copy when it was not mailed), or why not. */
export type RowOutcome = { row: InviteRow; ok: true; inviteUrl: string } | { row: InviteRow; ok: false; code: string; message: string };

/** What every row of one bulk invitation shares. */
export interface BulkOptions {
  message: string | null;
  expiresInDays: number;
  mail: boolean;
}

/** Progress after each chunk: rows answered so far, of all. */
export type Progress = (done: number, total: number) => void;

/**
 * Invites `rows` through `POST /orgs/:slug/invitations/bulk`, at most 1,000 rows a call, one
 * call after the other (rows keep their order, and seats go to the first rows), reporting
 * progress after each. A row the API's schema refuses (its path in the 400's issues) is
 * answered on its own and the rest of its chunk sent again; a chunk refused as a whole (rate
 * limited, signed out…) answers its rows and every later row with that reason.
 */
export async function inviteInChunks(slug: string, rows: readonly InviteRow[], options: BulkOptions, progress: Progress, size = maxBulkRows): Promise<RowOutcome[]> {
  const outcomes: RowOutcome[] = [];
  const url = `/api/v1/orgs/${encodeURIComponent(slug)}/invitations/bulk`;
  const groups = chunks(rows, size);
  progress(0, rows.length);
  for (let index = 0; index < groups.length; index++) {
    let pending = groups[index] as InviteRow[];
    for (let attempt = 0; pending.length > 0; attempt++) {
      try {
        const answer = await post<BulkInvitationResultsView>(url, {
          invitations: pending.map((row) => ({
            invitee: row.invitee,
            role: row.role,
            message: options.message,
            expiresInDays: options.expiresInDays,
            mail: options.mail,
          })),
        });
        pending.forEach((row, i) => {
          const result = answer.results[i];
          if (result?.ok && result.inviteUrl) outcomes.push({ row, ok: true, inviteUrl: result.inviteUrl });
          else outcomes.push({ row, ok: false, code: result?.error?.code ?? "unknown", message: result?.error?.message ?? "No answer for this row." });
        });
        pending = [];
      } catch (error) {
        const refused = attempt === 0 ? refusedRows(error) : new Map<number, string>();
        if (refused.size === 0) {
          // The whole call failed: this chunk and the ones after it are not sent.
          const message = describeError(error);
          const code = error instanceof ApiError ? error.code : "network_error";
          for (const row of [...pending, ...groups.slice(index + 1).flat()]) outcomes.push({ row, ok: false, code, message });
          progress(rows.length, rows.length);
          return order(outcomes);
        }
        for (const [i, message] of refused) outcomes.push({ row: pending[i] as InviteRow, ok: false, code: "validation_failed", message });
        pending = pending.filter((_, i) => !refused.has(i));
      }
    }
    progress(outcomes.length, rows.length);
  }
  return order(outcomes);
}

/** The rows a 400 names (`invitations.<i>.…`), with the first message for each. */
function refusedRows(error: unknown): Map<number, string> {
  const refused = new Map<number, string>();
  if (!(error instanceof ApiError) || error.code !== "validation_failed") return refused;
  for (const issue of error.issues) {
    const match = /^invitations\.(\d+)(?:\.|$)/.exec(issue.path);
    if (match && !refused.has(Number(match[1]))) refused.set(Number(match[1]), issue.message);
  }
  return refused;
}

const order = (outcomes: RowOutcome[]) => outcomes.sort((a, b) => a.row.line - b.row.line);
