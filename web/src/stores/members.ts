import { reconcile } from "solid-js/store";
import { api } from "../api.ts";
import type { MemberPageView } from "../../../worker/views/index.ts";
import { applyToMembers } from "../live/apply-event.ts";
import type { MemberQuery, MembersPage } from "../live/state.ts";
import type { OrgStoreContext } from "./org-session.ts";
import { createPaging } from "./paging.ts";

/** The API's URL for the page of `query` at `cursor`. */
export function membersUrl(slug: string, query: MemberQuery, cursor: string | null, limit: number): string {
  const params = new URLSearchParams({ sort: query.sort, order: query.order, limit: String(limit) });
  if (query.q.trim()) params.set("q", query.q.trim());
  if (query.role) params.set("role", query.role);
  if (cursor) params.set("cursor", cursor);
  return `/api/v1/orgs/${encodeURIComponent(slug)}/members?${params}`;
}

/**
 * The organization's members, a page at a time: search, role filter and order are the
 * server's (an organization may have 100,000 members; the browser holds one page). Live
 * events change the page on screen; `page().total` counts the members matching the query.
 */
export function createMembersStore(ctx: OrgStoreContext) {
  const paging = createPaging<MembersPage>(ctx, {
    current: () => ctx.state.members,
    store: (page) => ctx.setState("members", reconcile(page, { key: "userId" })),
    async fetch(like, cursor) {
      const answer = await api<MemberPageView>(membersUrl(ctx.slug, like.query, cursor, like.limit));
      return { ...like, items: answer.members, total: answer.total, totalExact: answer.totalExact, nextCursor: answer.nextCursor };
    },
    apply: applyToMembers,
  });
  return {
    ...paging,
    /** Searches, filters or sorts (merged into the current query), from the first page. */
    setQuery: (change: Partial<MemberQuery>) => paging.first({ ...paging.page(), query: { ...paging.page().query, ...change } }),
    /** Members per page (1–100), from the first page. */
    setLimit: (limit: number) => paging.first({ ...paging.page(), limit }),
  };
}

export type MembersStore = ReturnType<typeof createMembersStore>;
