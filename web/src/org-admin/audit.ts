import { createResource, createSignal, type Accessor } from "solid-js";
import type { AuditPageView } from "../../../worker/views/index.ts";
import { api } from "../api.ts";

/** The audit trail's filters as the page's URL holds them ("" when unset). */
export interface AuditFilters {
  actor: string;
  /** One action (`member.removed`) or a family (`member`). */
  action: string;
  /** Calendar days, `YYYY-MM-DD`, in the reader's time zone; both inclusive. */
  from: string;
  to: string;
}

/** Local midnight of a `YYYY-MM-DD` day, `days` later; null for an invalid day. */
export function dayStart(day: string, days = 0): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return null;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + days);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** What is wrong with a time range, or null. */
export function rangeProblem(filters: AuditFilters): string | null {
  if (filters.from && !dayStart(filters.from)) return "Enter a valid start date.";
  if (filters.to && !dayStart(filters.to)) return "Enter a valid end date.";
  if (filters.from && filters.to && filters.from > filters.to) return "The end date is before the start date.";
  return null;
}

/** The API's query for `filters` (the "to" day is included: until the next midnight). */
export function auditQuery(filters: AuditFilters, cursor: number | null, limit: number): URLSearchParams {
  const params = new URLSearchParams({ limit: String(limit) });
  if (filters.actor.trim()) params.set("actor", filters.actor.trim());
  if (filters.action) params.set("action", filters.action);
  const since = filters.from ? dayStart(filters.from) : null;
  const until = filters.to ? dayStart(filters.to, 1) : null;
  if (since) params.set("since", since.toISOString());
  if (until) params.set("until", until.toISOString());
  if (cursor) params.set("cursor", String(cursor));
  return params;
}

/**
 * One page of an organization's audit trail for the filters, newest first, paged by the
 * API's cursor (the cursors of the pages before it are kept for "Newer").
 */
export function createAuditTrail(slug: Accessor<string>, filters: Accessor<AuditFilters>, limit = 50) {
  // The cursors belong to the filters they were read with: new filters start from the newest page.
  const key = () => JSON.stringify([slug(), filters()]);
  const [stack, setStack] = createSignal<{ key: string; cursors: number[] }>({ key: "", cursors: [] });
  const cursors = () => (stack().key === key() ? stack().cursors : []);
  const source = () => (rangeProblem(filters()) ? false : { slug: slug(), filters: filters(), cursor: cursors().at(-1) ?? null });
  const [page, { refetch }] = createResource(source, ({ slug, filters, cursor }) =>
    api<AuditPageView>(`/api/v1/orgs/${encodeURIComponent(slug)}/audit?${auditQuery(filters, cursor, limit)}`),
  );
  return {
    page,
    limit,
    /** Which page is on screen, from 0. */
    index: () => cursors().length,
    refresh: () => refetch(),
    older(): void {
      const next = page()?.nextCursor;
      if (next) setStack({ key: key(), cursors: [...cursors(), next] });
    },
    newer(): void {
      setStack({ key: key(), cursors: cursors().slice(0, -1) });
    },
  };
}
