import { A } from "@solidjs/router";
import { createEffect, For, Match, Show, Switch } from "solid-js";
import { describeError } from "../api.ts";
import { setTitle } from "../components/Layouts.tsx";
import { roleLabel } from "../model.ts";
import { useInvitations, useMembers, useOrg } from "../stores/org-session.ts";

/** Which tab of the members page: its own URL each (`/members`, `/invitations`). */
export type MembersTab = "users" | "invitations";

/**
 * `/orgs/:slug/members` (Users tab) and `/orgs/:slug/invitations` (Invites tab).
 * Placeholder for the members page of issue 21: plain lists of the page on screen, to show
 * how the stores are used (`useMembers`, `useInvitations`: paged from the API's cursor and
 * kept current by live events). Its counts come from the seats, which are always current.
 */
export default function MembersPage(props: { tab: MembersTab }) {
  const org = useOrg();
  const base = `/orgs/${encodeURIComponent(org.slug)}`;
  createEffect(() => setTitle(props.tab === "users" ? "Members" : "Invitations"));
  return (
    <section>
      <h1>Members</h1>
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
    </section>
  );
}

function UsersTab() {
  const members = useMembers();
  const from = () => members.page().index * members.page().limit + 1;
  return (
    <Switch fallback={<p class="muted" role="status">Loading members…</p>}>
      <Match when={members.error()}>
        {(error) => (
          <p class="banner error" role="alert">
            Could not load the members: {describeError(error())}
          </p>
        )}
      </Match>
      <Match when={members.page().loaded}>
        <p class="muted">
          Showing {Math.min(from(), members.page().total)}–{from() + members.page().items.length - 1} of {members.page().total}
        </p>
        <ul class="plain-list" aria-label="Members">
          <For each={members.page().items}>
            {(member) => (
              <li>
                <strong>{member.name}</strong> · {member.email} · {roleLabel[member.role]}
              </li>
            )}
          </For>
        </ul>
        <Pager index={members.page().index} hasNext={members.page().nextCursor !== null} previous={members.previous} next={members.next} />
      </Match>
    </Switch>
  );
}

function InvitesTab() {
  const invitations = useInvitations();
  return (
    <Switch fallback={<p class="muted" role="status">Loading invitations…</p>}>
      <Match when={invitations.error()}>
        {(error) => (
          <p class="banner error" role="alert">
            Could not load the invitations: {describeError(error())}
          </p>
        )}
      </Match>
      <Match when={invitations.page().loaded}>
        <ul class="plain-list" aria-label="Invitations">
          <For each={invitations.page().items} fallback={<li class="muted">No invitations yet.</li>}>
            {(invitation) => (
              <li>
                <strong>{invitation.email ?? invitation.username}</strong> · {roleLabel[invitation.role]} · {invitation.status}
              </li>
            )}
          </For>
        </ul>
        <Pager
          index={invitations.page().index}
          hasNext={invitations.page().nextCursor !== null}
          previous={invitations.previous}
          next={invitations.next}
        />
      </Match>
    </Switch>
  );
}

function Pager(props: { index: number; hasNext: boolean; previous: () => Promise<void>; next: () => Promise<void> }) {
  return (
    <Show when={props.index > 0 || props.hasNext}>
      <div class="actions">
        <button type="button" class="button secondary small" disabled={props.index === 0} onClick={() => void props.previous()}>
          Previous
        </button>
        <button type="button" class="button secondary small" disabled={!props.hasNext} onClick={() => void props.next()}>
          Next
        </button>
      </div>
    </Show>
  );
}
