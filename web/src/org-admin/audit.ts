import { createResource, createSignal, type Accessor } from "solid-js";
import type { AuditPageView } from "../../../worker/views/index.ts";
import { api } from "../api.ts";
import { auditExportUrl, auditQuery, rangeProblem, type AuditFilters } from "./audit-query.ts";

export { auditExportUrl, rangeProblem, type AuditFilters };

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
