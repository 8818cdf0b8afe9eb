import { createEffect, createSignal, Match, Show, Switch, type JSX } from "solid-js";
import { describeError } from "../api.ts";
import { HealthBadge } from "../HealthBadge.tsx";
import { A, useLocation, useNavigate } from "@solidjs/router";
import { useSession } from "../stores/session.ts";
import { nextPath } from "../storage.ts";
import { Inbox } from "./Inbox.tsx";
import { OrgSwitcher } from "./OrgSwitcher.tsx";
import { Toasts } from "./Toasts.tsx";

/**
 * The signed-in frame: header with the organization switcher, "New organization", the
 * user's email, their inbox (pending invitations and notifications, counted) and sign-out.
 * Shows its children only to a signed-in user, and sends anyone else to /signin,
 * remembering where they were going.
 */
export function Shell(props: { currentOrg?: string; children: JSX.Element }) {
  const session = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [signOutError, setSignOutError] = createSignal<string>();
  const [signingOut, setSigningOut] = createSignal(false);

  createEffect(() => {
    // Signing out leaves on its own; the page being left is not where to come back to.
    if (signingOut()) return;
    if (session.me.state === "ready" && session.me() === null) {
      nextPath.remember(location.pathname + location.search);
      navigate("/signin", { replace: true });
    }
  });

  const signOut = async () => {
    setSigningOut(true);
    setSignOutError(undefined);
    try {
      await session.signOut();
      // Still signing out until this frame is gone: the router changes pages in a
      // transition, and the effect above must not take the page being left for a destination.
      navigate("/signin");
    } catch (error) {
      setSignOutError(describeError(error));
      setSigningOut(false);
    }
  };

  const me = () => (session.me.state === "ready" || session.me.state === "refreshing" ? session.me() : undefined);

  return (
    <div class="app">
      <a class="skip-link" href="#main">Skip to content</a>
      <header class="topbar">
        <A href="/" class="brand">Roster</A>
        <Show when={me()}>
          {(user) => (
            <>
              <nav class="org-nav" aria-label="Organizations">
                <OrgSwitcher memberships={user().memberships} current={props.currentOrg} />
                <A href="/orgs/new" class="button ghost">
                  <span aria-hidden="true">+</span> New<span class="long"> organization</span>
                </A>
              </nav>
              <div class="account">
                <span class="email" title="Signed in as">{user().user.email}</span>
                <Inbox />
                <button type="button" class="button secondary" onClick={signOut} disabled={signingOut()}>
                  Sign out
                </button>
              </div>
            </>
          )}
        </Show>
      </header>
      <Show when={signOutError()}>
        <p class="banner error" role="alert">
          Could not sign out: {signOutError()}
        </p>
      </Show>
      <main id="main" class="content" tabindex="-1">
        <Switch fallback={<p class="muted" role="status">Loading…</p>}>
          <Match when={session.me.error}>
            <div class="banner error" role="alert">
              <p>Could not load your account: {describeError(session.me.error)}</p>
              <button type="button" class="button secondary" onClick={() => void session.refresh()}>
                Try again
              </button>
            </div>
          </Match>
          <Match when={me()}>{props.children}</Match>
        </Switch>
      </main>
      <Toasts />
      <footer class="footer">
        <HealthBadge />
      </footer>
    </div>
  );
}
