import type { InvitationView, LiveEvent, MemberView, OrgView, SeatsView } from "../../../worker/views/index.ts";
import { applyToLinks } from "./apply-links.ts";
import type { InvitationsPage, MembersPage, OrgState, Viewer } from "./state.ts";
import { applyToProjects } from "./apply-project.ts";

/**
 * Applies one live event to an organization's client state, and answers the next state.
 * Pure: it never changes `state`, and each part of the state that an event leaves alone
 * keeps its identity (so a store updates only what changed). Events must come in `seq` order; one at or below `state.seq`
 * was applied already (a duplicate, or a replay overlapping what was read) and is ignored.
 * Every part of the state has its own function below, also used to bring a page that was
 * read while events arrived up to date.
 */
export function applyEvent(state: OrgState, event: LiveEvent): OrgState {
  if (event.seq <= state.seq) return state;
  const summary = applyToOrg(state, event);
  return {
    seq: event.seq,
    org: summary.org,
    seats: summary.seats,
    viewer: state.viewer && applyToViewer(state.viewer, event),
    members: applyToMembers(state.members, event),
    invitations: applyToInvitations(state.invitations, event),
    projects: applyToProjects(state.projects, event),
    links: applyToLinks(state.links, event),
  };
}

/** `applyEvent` over events in `seq` order. */
export function applyEvents(state: OrgState, events: readonly LiveEvent[]): OrgState {
  return events.reduce(applyEvent, state);
}

/** The organization and its seats after `event`. */
export function applyToOrg<S extends { org: OrgView | null; seats: SeatsView | null }>(summary: S, event: LiveEvent): S {
  switch (event.type) {
    case "org.updated":
      return { ...summary, org: event.data.org };
    case "seats.changed":
      return { ...summary, seats: event.data };
    default:
      return summary;
  }
}

/** The viewer after `event`: their own role changes, their own removal. */
export function applyToViewer(viewer: Viewer, event: LiveEvent): Viewer {
  switch (event.type) {
    case "member.updated":
      return event.data.userId === viewer.userId && event.data.role !== viewer.role ? { ...viewer, role: event.data.role } : viewer;
    case "member.removed":
      return event.data.userId === viewer.userId ? { ...viewer, removed: true } : viewer;
    default:
      return viewer;
  }
}

/**
 * The members page after `event`. A member shown on the page changes in place; anything the
 * page cannot place itself (a new member: the event carries only their id and role; a
 * change that may move someone into or out of the query) marks it stale, to be read again.
 */
export function applyToMembers(page: MembersPage, event: LiveEvent): MembersPage {
  if (!page.loaded) return page;
  switch (event.type) {
    case "member.joined": {
      const { userId, role } = event.data;
      const shown = page.items.find((m) => m.userId === userId);
      // Already on the page (read after the join): only the role may be news.
      if (shown) return shown.role === role ? page : { ...page, items: page.items.map((m) => (m.userId === userId ? { ...m, role } : m)) };
      return markStale(page);
    }
    case "member.updated": {
      const { userId, role, title, name } = event.data;
      const { query } = page;
      const renamed = (m?: MemberView) => name !== undefined && name !== m?.name;
      const retitled = (m?: MemberView) => title !== undefined && title !== m?.title;
      const shown = page.items.find((m) => m.userId === userId);
      if (!shown) {
        // Someone off the page may have moved onto it: into the role or search on screen, or
        // up the order of names.
        const mayEnter =
          (query.role !== null && role === query.role) || (query.q !== "" && (renamed() || retitled())) || (renamed() && query.sort === "name");
        return mayEnter ? markStale(page) : page;
      }
      const changed = { ...shown, role, ...(title === undefined ? {} : { title }), ...(name === undefined ? {} : { name }) };
      const items = page.items.map((m) => (m.userId === userId ? changed : m));
      // Shown in place at once; read again when they may have left the query or moved in the order.
      const moved =
        (query.role !== null && role !== query.role) || (query.q !== "" && (renamed(shown) || retitled(shown))) || (renamed(shown) && query.sort === "name");
      return { ...page, items, stale: page.stale || moved };
    }
    case "member.removed": {
      const { userId } = event.data;
      if (!page.items.some((m) => m.userId === userId)) return markStale(page);
      const items = page.items.filter((m) => m.userId !== userId);
      // The page shows one fewer now; the next page's first member moves up when read again.
      return { ...page, items, total: Math.max(0, page.total - 1), stale: page.stale || page.nextCursor !== null };
    }
    default:
      return page;
  }
}

/**
 * The invitations page after `event`. The list is newest first: a new invitation goes on
 * top of the first page (when it matches the page's status), pushing its last one to the
 * next page. An update for an invitation not on the page changes nothing, unless it now
 * matches the page's status filter (it may belong here: read again).
 */
export function applyToInvitations(page: InvitationsPage, event: LiveEvent): InvitationsPage {
  if (!page.loaded) return page;
  switch (event.type) {
    case "invitation.created":
      return placeNew(page, event.data.invitation);
    case "invitation.updated": {
      const next = event.data.invitation;
      const shown = page.items.some((i) => i.id === next.id);
      if ("deleted" in next) return shown ? { ...page, items: page.items.filter((i) => i.id !== next.id) } : page;
      const matches = page.status === null || page.status === next.status;
      if (!shown) return page.status !== null && matches ? markStale(page) : page;
      // One that left the status on screen leaves the page; the page below moves up when read again.
      if (!matches) return { ...page, items: page.items.filter((i) => i.id !== next.id), stale: page.stale || page.nextCursor !== null };
      return { ...page, items: page.items.map((i) => (i.id === next.id ? next : i)) };
    }
    default:
      return page;
  }
}

function placeNew(page: InvitationsPage, invitation: InvitationView): InvitationsPage {
  if (page.items.some((i) => i.id === invitation.id)) {
    return { ...page, items: page.items.map((i) => (i.id === invitation.id ? invitation : i)) };
  }
  if (page.cursor !== null || (page.status !== null && page.status !== invitation.status)) return page;
  const items = [invitation, ...page.items];
  if (items.length <= page.limit) return { ...page, items };
  // The one pushed off starts the next page (the cursor is the id of the last one shown).
  const kept = items.slice(0, page.limit);
  return { ...page, items: kept, nextCursor: kept.at(-1)?.id ?? page.nextCursor };
}

function markStale<P extends { stale: boolean }>(page: P): P {
  return page.stale ? page : { ...page, stale: true };
}
