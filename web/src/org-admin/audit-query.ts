/** The audit trail's filters as the page's URL holds them ("" when unset). */
export interface AuditFilters {
  actor: string;
  /** One action (`member.removed`) or a family (`member`). */
  action: string;
  /** What was acted on, by id (a member's user id, an invitation, an API key): one thing's history. */
  target: string;
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
  if (filters.target.trim()) params.set("target", filters.target.trim());
  const since = filters.from ? dayStart(filters.from) : null;
  const until = filters.to ? dayStart(filters.to, 1) : null;
  if (since) params.set("since", since.toISOString());
  if (until) params.set("until", until.toISOString());
  if (cursor) params.set("cursor", String(cursor));
  return params;
}

/** Where the whole trail downloads as `format`, with `filters` (the session cookie authorises the GET). */
export function auditExportUrl(slug: string, filters: AuditFilters, format: "csv" | "json"): string {
  const params = auditQuery(filters, null, 1);
  params.delete("limit");
  params.set("format", format);
  return `/api/v1/orgs/${encodeURIComponent(slug)}/audit/export?${params}`;
}
