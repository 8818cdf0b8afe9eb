import { emptyLinksState, type LinksState } from "./apply-links.ts";
import type { InvitationView, MemberView, OrgView, ProjectView, Role, SeatsView } from "../../../worker/views/index.ts";

/** What the members list is asked for (`GET /orgs/:slug/members`'s query, less the cursor). */
export interface MemberQuery {
  /** Case-insensitive search over name, email and title; "" for none. */
  q: string;
  role: Role | null;
  sort: "name" | "email";
  order: "asc" | "desc";
}

/** An invitation's status, as the list filters by it. */
export type InvitationStatus = InvitationView["status"];

/**
 * One page of a list read from the API's cursor. Only the page on screen is kept, never the
 * whole list (an organization may have 100,000 members).
 */
export interface Page<Item> {
  items: Item[];
  /** The cursor this page was read with; null for the first page. */
  cursor: string | null;
  /** Which page this is, from 0 (page `index` shows items `index * limit + 1`…). */
  index: number;
  limit: number;
  /** The cursor of the page after this one; null on the last page. */
  nextCursor: string | null;
  /** Whether the page has been read from the API at least once. */
  loaded: boolean;
  /**
   * An event changed the list in a way this page cannot show exactly (someone joined, an item
   * may have entered or left the filter): the store reads the page again.
   */
  stale: boolean;
}

/** The members page on screen, its query and the number of members that match it. */
export interface MembersPage extends Page<MemberView> {
  query: MemberQuery;
  total: number;
  /** False: `total` is the server's estimate (a wide search in a large organization). */
  totalExact: boolean;
}

/** The invitations page on screen (newest first), optionally of one status. */
export interface InvitationsPage extends Page<InvitationView> {
  status: InvitationStatus | null;
}

/**
 * The projects the viewer may see, all in one page (by name), kept current by
 * `project.changed` (web/src/live/apply-project.ts).
 */
export interface ProjectsList extends Page<ProjectView> {
  /** Counts the events that changed members' roles in projects: views of those roles read again when it moves. */
  assignments: number;
}

/** Who is looking at the organization. */
export interface Viewer {
  userId: string;
  /** Their role here, kept current by `member.updated` events about them. */
  role: Role;
  /** Set once they are no longer a member (removed while the page was open). */
  removed: boolean;
}

/**
 * The client state of one open organization: what the API answered, kept current by live
 * events through `applyEvent`.
 */
export interface OrgState {
  /** The seq of the last live event applied (0: none yet). Events at or below it are old news. */
  seq: number;
  /** `GET /orgs/:slug`'s organization; null until read. */
  org: OrgView | null;
  /** Its seats; null until read. */
  seats: SeatsView | null;
  viewer: Viewer | null;
  members: MembersPage;
  invitations: InvitationsPage;
  projects: ProjectsList;
  /** The self-registration links (owners and admins read them). */
  links: LinksState;
}

/** Members per page unless a page asks for another size. */
export const defaultPageSize = 50;

export const defaultMemberQuery: MemberQuery = { q: "", role: null, sort: "name", order: "asc" };

export function emptyMembersPage(query: MemberQuery = defaultMemberQuery, limit = defaultPageSize): MembersPage {
  return { query, total: 0, totalExact: true, items: [], cursor: null, index: 0, limit, nextCursor: null, loaded: false, stale: false };
}

export function emptyProjectsList(): ProjectsList {
  return { items: [], cursor: null, index: 0, limit: 1000, nextCursor: null, loaded: false, stale: false, assignments: 0 };
}

export function emptyInvitationsPage(status: InvitationStatus | null = null, limit = defaultPageSize): InvitationsPage {
  return { status, items: [], cursor: null, index: 0, limit, nextCursor: null, loaded: false, stale: false };
}

/** The state of an organization before anything is read. */
export function emptyOrgState(viewer: Viewer | null = null): OrgState {
  return { seq: 0, org: null, seats: null, viewer, members: emptyMembersPage(), invitations: emptyInvitationsPage(), projects: emptyProjectsList(), links: emptyLinksState() };
}
