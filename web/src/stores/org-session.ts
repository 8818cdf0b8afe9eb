import { batch, createContext, createEffect, createSignal, on, onCleanup, useContext, type Accessor } from "solid-js";
import { createStore, reconcile, unwrap, type SetStoreFunction } from "solid-js/store";
import { roleCan, type Permission } from "../../../worker/domain/roles.ts";
import type { LiveEvent } from "../../../worker/views/index.ts";
import { ApiError } from "../api.ts";
import { applyEvents } from "../live/apply-event.ts";
import { connectLive, liveUrl, type LiveConnection, type LiveListener, type LiveStatus } from "../live/connection.ts";
import { liveCloseCodes } from "../live/messages.ts";
import { emptyOrgState, type OrgState } from "../live/state.ts";
import { createInvitationsStore, type InvitationsStore } from "./invitations.ts";
import { createMembersStore, type MembersStore } from "./members.ts";
import { createProjectsStore, type ProjectsStore } from "./projects.ts";
import { createLinksStore } from "./links.ts";
import { createOrgStore, knownOrg } from "./org.ts";
import { useSession } from "./session.ts";

/** What an organization's stores share: its state, and when and how to read into it. */
export interface OrgStoreContext {
  readonly slug: string;
  /** The organization's client state (a Solid store; change it only through `setState`). */
  readonly state: OrgState;
  readonly setState: SetStoreFunction<OrgState>;
  /**
   * Whether the stores may read from the API: once the live channel said `ready` (so no
   * event between the read and the socket is lost), or once it could not connect.
   */
  readonly canRead: Accessor<boolean>;
  /**
   * Brings `page`, read from the API when the state was at seq `from`, up to date with the
   * events applied since; null when some of them are no longer kept (read again).
   */
  catchUp<P>(page: P, from: number, apply: (page: P, event: LiveEvent) => P): P | null;
}

/** How many applied events are kept to bring a page read meanwhile up to date. */
const keptEvents = 500;

/**
 * One open organization in this tab: its client state, its stores (org and seats, members,
 * invitations) and its live channel, which feeds every event through `applyEvent`. Created
 * by the organization's layout (one per slug) and handed to its pages by `useOrg()`.
 */
export function createOrgSession(slug: string) {
  const session = useSession();
  const me = session.me.state === "ready" || session.me.state === "refreshing" ? session.me() : undefined;
  const membership = session.membership(slug);
  const known = knownOrg(slug);
  const [state, setState] = createStore<OrgState>({
    ...emptyOrgState(me && membership ? { userId: me.user.id, role: membership.role, removed: false } : null),
    org: known?.org ?? null,
    seats: known?.seats ?? null,
  });
  const [canRead, setCanRead] = createSignal(false);
  /** How the server ended the live channel for good (removed: 4403; signed out: 4401), if it did. */
  const [ended, setEnded] = createSignal<{ code: number; reason: string } | null>(null);
  let recent: LiveEvent[] = [];
  /** The highest seq no longer in `recent`: a read from before it cannot be caught up. */
  let forgotten = 0;

  const ctx: OrgStoreContext = {
    slug,
    state,
    setState,
    canRead,
    catchUp(page, from, apply) {
      if (from < forgotten) return null;
      return recent.filter((e) => e.seq > from).reduce(apply, page);
    },
  };
  const org = createOrgStore(ctx);
  const members = createMembersStore(ctx);
  const invitations = createInvitationsStore(ctx);
  const projects = createProjectsStore(ctx);
  const links = createLinksStore(ctx);

  /** Applies events (in seq order) and updates only the parts of the state they changed. */
  function apply(events: LiveEvent[]): void {
    const before = { ...unwrap(state) };
    const next = applyEvents(before, events);
    if (next.seq === before.seq) return;
    batch(() => {
      setState("seq", next.seq);
      if (next.org !== before.org) setState("org", reconcile(next.org));
      if (next.seats !== before.seats) setState("seats", reconcile(next.seats));
      if (next.viewer !== before.viewer) setState("viewer", reconcile(next.viewer));
      if (next.members !== before.members) setState("members", reconcile(next.members, { key: "userId" }));
      if (next.invitations !== before.invitations) setState("invitations", reconcile(next.invitations, { key: "id" }));
      if (next.projects !== before.projects) setState("projects", reconcile(next.projects, { key: "id" }));
      if (next.links !== before.links) setState("links", reconcile(next.links, { key: "kind" }));
    });
    recent.push(...events.filter((e) => e.seq > before.seq));
    if (recent.length > keptEvents) forgotten = recent.splice(0, recent.length - keptEvents).at(-1)?.seq ?? forgotten;
  }

  /** Forgets what was missed: everything is read again, and events go on from `seq`. */
  function resync(seq: number): void {
    recent = [];
    forgotten = seq;
    batch(() => {
      setState("seq", seq);
      if (state.members.loaded) setState("members", "stale", true);
      if (state.invitations.loaded) setState("invitations", "stale", true);
      if (state.projects.loaded) setState("projects", "stale", true);
      if (state.links.loaded) setState("links", "stale", true);
    });
    void org.refresh();
  }

  const listener: LiveListener = {
    start(seq) {
      // Read without the channel (it could not connect at first): read again from here.
      if (canRead()) return resync(seq);
      setState("seq", seq);
      setCanRead(true);
    },
    unavailable: () => setCanRead(true),
    events: apply,
    resync,
    closing(code, reason) {
      setEnded({ code, reason });
      // Removed, or the organization was deleted: either way this person's access ended.
      if (code === liveCloseCodes.removed || code === liveCloseCodes.deleted) setState("viewer", (viewer) => viewer && { ...viewer, removed: true });
      // Signed out or expired: reading /me again lets the shell send the person to sign in.
      else void session.refresh();
    },
    lastSeq: () => state.seq,
  };
  const [live, setLive] = createSignal<LiveConnection>();
  let closed = false;
  const connect = () => {
    if (!closed && !live()) setLive(connectLive(liveUrl(slug), listener));
  };
  const disconnect = () => {
    closed = true;
    live()?.close();
  };
  onCleanup(disconnect);
  if (state.viewer) connect();
  else {
    // /me does not list this membership (yet: joined in another tab?). Ask again; a socket
    // for an organization the person is not in would only be refused.
    Promise.resolve(session.refresh()).then(
      () => (session.membership(slug) ? connect() : setCanRead(true)),
      () => setCanRead(true),
    );
  }
  createEffect(() => {
    if (state.viewer) return;
    const current = session.me.state === "ready" ? session.me() : undefined;
    const role = session.membership(slug)?.role;
    if (current && role) setState("viewer", { userId: current.user.id, role, removed: false });
  });
  // Not a member, or no such organization: nothing will ever arrive.
  createEffect(() => {
    const error = org.error();
    if (error instanceof ApiError && (error.status === 403 || error.status === 404)) disconnect();
  });
  // The rest of the dashboard (switcher, other tabs' pages) follows the viewer's role and removal.
  createEffect(
    on(
      () => [state.viewer?.role, state.viewer?.removed] as const,
      ([role, removed]) => {
        if (removed) session.dropMembership(slug);
        else if (role) session.setRole(slug, role);
      },
      { defer: true },
    ),
  );

  const viewer = () => state.viewer;
  return {
    slug,
    /** The whole client state (read-only): seq, org, seats, viewer, members, invitations. */
    state,
    /** The organization and its seats. */
    org,
    /** The members list (use `useMembers()` in a page, which also keeps it read). */
    members,
    /** The invitations list (use `useInvitations()` in a page). */
    invitations,
    /** The projects the viewer may see (use `useProjects()` in a page). */
    projects,
    /** The self-registration links (owners and admins; call `links.watch()` in the panel). */
    links,
    /** The live channel: `status()` is connecting, online, offline or ended. */
    live: { status: (): LiveStatus => live()?.status() ?? "connecting" },
    /** Who is looking: user id, current role, whether removed. Null until /me knows the membership. */
    viewer,
    /** Whether the viewer's current role holds `permission` (false once removed). */
    can: (permission: Permission): boolean => {
      const current = viewer();
      return current !== null && !current.removed && roleCan(current.role, permission);
    },
    /** How the server ended the live channel for good, if it did (`liveCloseCodes`). */
    ended,
  };
}

export type OrgSession = ReturnType<typeof createOrgSession>;

const OrgContext = createContext<OrgSession>();

/** Provides an organization's session to the pages inside its layout. */
export const OrgProvider = OrgContext.Provider;

/** The open organization's session, inside `/orgs/:slug/…` pages. */
export function useOrg(): OrgSession {
  const org = useContext(OrgContext);
  if (!org) throw new Error("useOrg() is for the pages inside an organization's layout.");
  return org;
}

/** The open organization's members, read and kept current while the calling page lives. */
export function useMembers(): MembersStore {
  const { members } = useOrg();
  members.watch();
  return members;
}

/** The open organization's invitations, read and kept current while the calling page lives. */
export function useInvitations(): InvitationsStore {
  const { invitations } = useOrg();
  invitations.watch();
  return invitations;
}

/** The open organization's projects, read and kept current while the calling page lives. */
export function useProjects(): ProjectsStore {
  const { projects } = useOrg();
  projects.watch();
  return projects;
}
