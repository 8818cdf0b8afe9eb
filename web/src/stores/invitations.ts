import { reconcile } from "solid-js/store";
import { api } from "../api.ts";
import type { InvitationPageView, InvitationView } from "../../../worker/views/index.ts";
import { applyToInvitations } from "../live/apply-event.ts";
import type { InvitationsPage, InvitationStatus } from "../live/state.ts";
import type { OrgStoreContext } from "./org-session.ts";
import { createPaging } from "./paging.ts";

/** The API's URL for the page of invitations at `cursor`, newest first. */
export function invitationsUrl(slug: string, status: InvitationStatus | null, cursor: string | null, limit: number): string {
  const params = new URLSearchParams({ limit: String(limit) });
  if (status) params.set("status", status);
  if (cursor) params.set("cursor", cursor);
  return `/api/v1/orgs/${encodeURIComponent(slug)}/invitations?${params}`;
}

/**
 * The organization's invitations, newest first, a page at a time, optionally of one status
 * (the API shows a pending invitation past its expiry as expired at once). Only admins and
 * owners may read them.
 */
export function createInvitationsStore(ctx: OrgStoreContext) {
  const paging = createPaging<InvitationsPage>(ctx, {
    current: () => ctx.state.invitations,
    store: (page) => ctx.setState("invitations", reconcile(page, { key: "id" })),
    async fetch(like, cursor) {
      const answer = await api<InvitationPageView>(invitationsUrl(ctx.slug, like.status, cursor, like.limit));
      return { ...like, items: answer.invitations, nextCursor: answer.nextCursor };
    },
    apply: applyToInvitations,
  });
  return {
    ...paging,
    /** Only invitations of `status` (null: all), from the first page. */
    setStatus: (status: InvitationStatus | null) => paging.first({ ...paging.page(), status }),
    /**
     * Shows an invitation the API just answered with (made, resent, revoked…) at once, without
     * waiting for its live event (which then changes nothing more).
     */
    show(invitation: InvitationView): void {
      const page = paging.page();
      const known = page.items.some((i) => i.id === invitation.id);
      const next = known
        ? applyToInvitations(page, { seq: 0, type: "invitation.updated", at: invitation.createdAt, data: { invitation } })
        : applyToInvitations(page, { seq: 0, type: "invitation.created", at: invitation.createdAt, data: { invitation } });
      if (next !== page) ctx.setState("invitations", reconcile(next, { key: "id" }));
    },
  };
}

export type InvitationsStore = ReturnType<typeof createInvitationsStore>;
