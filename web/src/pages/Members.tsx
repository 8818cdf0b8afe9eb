import { A } from "@solidjs/router";
import { createEffect, createSignal, lazy, Match, Show, Switch } from "solid-js";
import { setTitle } from "../components/Layouts.tsx";
import { InviteButton } from "../members/InviteButton.tsx";
import "../members/members.css";
import { useOrg } from "../stores/org-session.ts";

// Each tab, and the invite dialog, is its own chunk: a visit loads the tab it shows, and the
// dialog loads when the Invite button is first pointed at, focused or pressed.
const loadInviteDialog = () => import("../members/InviteDialog.tsx").then((m) => ({ default: m.InviteDialog }));
const InviteDialog = lazy(loadInviteDialog);
const UsersTab = lazy(() => import("../members/UsersTab.tsx").then((m) => ({ default: m.UsersTab })));
const InvitesTab = lazy(() => import("../members/InvitesTab.tsx").then((m) => ({ default: m.InvitesTab })));

/** Which tab of the members page: its own URL each (`/members`, `/invitations`). */
export type MembersTab = "users" | "invitations";

/**
 * `/orgs/:slug/members` (Users tab) and `/orgs/:slug/invitations` (Invites tab): the
 * organization's people as Clerk's and GitHub's members pages show them, kept current by
 * live events. The counts on the tabs come from the seats, which are always current; the
 * Invite button is there for those who may invite, disabled with its reason at zero seats.
 */
export default function MembersPage(props: { tab: MembersTab }) {
  const org = useOrg();
  const base = `/orgs/${encodeURIComponent(org.slug)}`;
  const [inviting, setInviting] = createSignal(false);
  const [invitedOnce, setInvitedOnce] = createSignal(false);
  createEffect(() => setTitle(props.tab === "users" ? "Members" : "Invitations"));
  // Losing the right to invite (a role change arriving live) closes the dialog.
  createEffect(() => {
    if (!org.can("invitations:write")) setInviting(false);
  });

  return (
    <section class="members-page">
      <header class="page-head">
        <div>
          <h1>Members</h1>
          <p class="muted">Everyone in {org.state.org?.name ?? org.slug}, and who is invited.</p>
        </div>
        <Show when={org.can("invitations:write") && org.state.seats}>
          {(seats) => (
            <InviteButton
              seats={seats()}
              owner={org.can("seats:update")}
              settingsHref={`${base}/settings`}
              prefetch={() => void loadInviteDialog()}
              onClick={() => {
                setInvitedOnce(true);
                setInviting(true);
              }}
            />
          )}
        </Show>
      </header>
      <nav class="tabs" aria-label="Members and invitations">
        <A href={`${base}/members`} end>
          Users ({org.state.seats?.members ?? 0})
        </A>
        <Show when={org.can("invitations:read")}>
          <A href={`${base}/invitations`} end>
            Invites ({org.state.seats?.pending ?? 0})
          </A>
        </Show>
      </nav>
      <Switch>
        <Match when={props.tab === "users"}>
          <UsersTab />
        </Match>
        <Match when={props.tab === "invitations"}>
          <InvitesTab />
        </Match>
      </Switch>
      <Show when={invitedOnce() && org.state.seats}>{(seats) => <InviteDialog open={inviting()} close={() => setInviting(false)} seats={seats()} />}</Show>
    </section>
  );
}
