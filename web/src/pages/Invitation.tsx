import { A, useNavigate, useParams, useSearchParams } from "@solidjs/router";
import { createEffect, createResource, createSignal, Match, Show, Switch } from "solid-js";
import type { InvitationPreviewView, Role } from "../../../worker/views/index.ts";
import { ApiError, describeError } from "../api.ts";
import { ClosedInvitation, inviterName, orgName, PendingInvitation, UnknownInvitation, WrongAccount } from "../components/InvitationCard.tsx";
import { PublicLayout, setTitle } from "../components/Layouts.tsx";
import { useInbox } from "../stores/inbox.ts";
import { invitationByToken, type Answer, type InvitationSource } from "../stores/invitee.ts";
import { useSession } from "../stores/session.ts";
import { toast } from "../toast.ts";

/** Where someone who joined with `role` lands: the members page, or the overview for a role that may not see members. */
function orgHome(slug: string, role: Role): string {
  const base = `/orgs/${encodeURIComponent(slug)}`;
  return role === "restricted" ? base : `${base}/members`;
}

function titleOf(preview: InvitationPreviewView | undefined, mismatch: boolean): string {
  if (!preview) return "Invitation";
  if (mismatch) return "Invitation for another account";
  const titles = { accepted: "Invitation accepted", declined: "Invitation declined", revoked: "Invitation withdrawn", expired: "Invitation expired" };
  return preview.status === "pending" ? `Join ${orgName(preview)}` : titles[preview.status];
}

/**
 * An invitation as its invitee sees it, by link or by id (`source`): organization, inviter,
 * role and expiry, with Accept and Decline. Signed out, it sends the person through sign-in
 * and back here. Signed in with another account than the invited one, it says so, names
 * the account signed in and offers to switch; the invitation stays pending. Accepting opens
 * the organization's members page.
 */
export function InvitationScreen(props: { source: InvitationSource; byId?: boolean }) {
  const session = useSession();
  const inbox = useInbox();
  const navigate = useNavigate();
  const [preview, { mutate, refetch }] = createResource(() => props.source.load());
  const [mismatch, setMismatch] = createSignal(false);
  const [declinedHere, setDeclinedHere] = createSignal(false);
  const [busy, setBusy] = createSignal<Answer>();
  // The mailed "Decline" link (`?answer=decline`) opens the confirmation; nothing is answered
  // until a click here, so a mail scanner that follows links declines nothing.
  const [search] = useSearchParams();
  const [confirmingDecline, setConfirmingDecline] = createSignal(search.answer === "decline");
  const [actionError, setActionError] = createSignal<string>();
  const [switching, setSwitching] = createSignal(false);
  const signInHref = `/signin?next=${encodeURIComponent(props.source.path)}`;
  let declineButton: HTMLButtonElement | undefined;

  const me = () => (session.me.state === "ready" || session.me.state === "refreshing" ? session.me() : undefined);
  const shown = () => (preview.state === "ready" || preview.state === "refreshing" ? preview() : undefined);
  const loadError = () => (preview.state === "errored" ? (preview.error as unknown) : undefined);
  const unknownLink = () => {
    const error = loadError();
    return error instanceof ApiError && (error.status === 404 || error.status === 400);
  };
  const needsSignIn = () => {
    const error = loadError();
    return error instanceof ApiError && error.status === 401;
  };

  createEffect(() => setTitle(unknownLink() ? "Invitation not found" : titleOf(shown(), mismatch())));

  const respond = async (answer: Answer) => {
    setBusy(answer);
    setActionError(undefined);
    try {
      const result = await props.source.answer(answer);
      inbox.answered(result.invitation.id);
      if (answer === "accept") {
        // Already a member (joined another way): the membership /me lists stays as it is.
        if (!session.membership(result.org.slug)) {
          session.addMembership({ org: result.org, role: result.invitation.role, joinedAt: result.invitation.respondedAt ?? new Date().toISOString() });
        }
        toast(`You joined ${result.org.name}.`);
        // Still busy until this page is gone: the buttons stay disabled.
        navigate(orgHome(result.org.slug, result.invitation.role));
        return;
      }
      setConfirmingDecline(false);
      setDeclinedHere(true);
      mutate((current) => current && { ...current, status: "declined" });
    } catch (error) {
      setConfirmingDecline(false);
      if (error instanceof ApiError && error.code === "email_mismatch") setMismatch(true);
      else if (error instanceof ApiError && error.code === "invitation_expired") mutate((current) => current && { ...current, status: "expired" });
      // Revoked, declined or answered elsewhere meanwhile; or the link was replaced: show what it is now.
      else if (error instanceof ApiError && (error.code === "invitation_not_pending" || error.code === "not_found")) void refetch();
      else {
        setActionError(describeError(error));
        // The session ended: the page offers to sign in again.
        if (error instanceof ApiError && error.status === 401) void session.refresh();
      }
    }
    setBusy(undefined);
  };

  const switchAccount = async () => {
    setSwitching(true);
    setActionError(undefined);
    try {
      await session.signOut();
      navigate(signInHref);
    } catch (error) {
      setActionError(`Could not sign out: ${describeError(error)}`);
      setSwitching(false);
    }
  };

  const actions = () => (
    <Switch
      fallback={
        <p class="muted" role="status">
          Checking whether you are signed in…
        </p>
      }
    >
      <Match when={session.me.state === "errored"}>
        <div class="banner error" role="alert">
          <p>Could not check whether you are signed in: {describeError(session.me.error)}</p>
          <button type="button" class="button secondary small" onClick={() => void session.refresh()}>
            Try again
          </button>
        </div>
      </Match>
      <Match when={me() === null}>
        <p>Sign in with the email address this invitation was sent to, then accept or decline it.</p>
        <div class="actions">
          <A href={signInHref} class="button primary">
            Sign in to accept
          </A>
        </div>
      </Match>
      <Match when={me()}>
        {(user) => (
          <>
            <p class="signed-in-as">
              Signed in as <strong>{user().user.email}</strong>.{" "}
              <button type="button" class="link-button" disabled={switching()} onClick={() => void switchAccount()}>
                Not you? Switch account
              </button>
            </p>
            <Show when={actionError()}>
              <p class="banner error" role="alert">
                {actionError()}
              </p>
            </Show>
            <Show
              when={confirmingDecline()}
              fallback={
                <div class="actions">
                  <button type="button" class="button primary" disabled={busy() !== undefined} onClick={() => void respond("accept")}>
                    {busy() === "accept" ? "Accepting…" : "Accept invitation"}
                  </button>
                  <button
                    ref={declineButton}
                    type="button"
                    class="button secondary"
                    disabled={busy() !== undefined}
                    onClick={() => setConfirmingDecline(true)}
                  >
                    Decline
                  </button>
                </div>
              }
            >
              <div class="confirm" role="group" aria-labelledby="decline-question">
                <p id="decline-question">
                  Decline the invitation to join <strong>{orgName(shown()!)}</strong>? {inviterName(shown()!)} will be told, and the
                  link stops working.
                </p>
                <div class="actions">
                  <button
                    type="button"
                    class="button danger"
                    ref={(el) => queueMicrotask(() => el.focus())}
                    disabled={busy() !== undefined}
                    onClick={() => void respond("decline")}
                  >
                    {busy() === "decline" ? "Declining…" : "Decline invitation"}
                  </button>
                  <button
                    type="button"
                    class="button ghost"
                    disabled={busy() !== undefined}
                    onClick={() => {
                      setConfirmingDecline(false);
                      queueMicrotask(() => declineButton?.focus());
                    }}
                  >
                    Keep the invitation
                  </button>
                </div>
              </div>
            </Show>
          </>
        )}
      </Match>
    </Switch>
  );

  return (
    <PublicLayout>
      <Switch
        fallback={
          <p class="muted" role="status">
            Loading the invitation…
          </p>
        }
      >
        <Match when={unknownLink()}>
          <UnknownInvitation signedIn={Boolean(me())} byId={props.byId} />
        </Match>
        <Match when={needsSignIn()}>
          <h1>Sign in to see this invitation</h1>
          <p>This page shows one of your invitations. Sign in with the email address it was sent to.</p>
          <div class="actions">
            <A href={signInHref} class="button primary">
              Sign in
            </A>
          </div>
        </Match>
        <Match when={loadError()}>
          {(error) => (
            <>
              <div role="alert">
                <h1>Could not load the invitation</h1>
                <p>{describeError(error())}</p>
              </div>
              <div class="actions">
                <button type="button" class="button primary" onClick={() => void refetch()}>
                  Try again
                </button>
              </div>
            </>
          )}
        </Match>
        <Match when={mismatch() && me() ? { preview: shown()!, email: me()!.user.email } : undefined}>
          {(wrong) => (
            <>
              <WrongAccount preview={wrong().preview} email={wrong().email} switching={switching()} onSwitch={() => void switchAccount()} />
              <Show when={actionError()}>
                <p class="banner error" role="alert">
                  {actionError()}
                </p>
              </Show>
            </>
          )}
        </Match>
        <Match when={shown()?.status === "pending" ? shown() : undefined}>
          {(pending) => <PendingInvitation preview={pending()}>{actions()}</PendingInvitation>}
        </Match>
        <Match when={shown()}>
          {(closed) => (
            <ClosedInvitation
              preview={closed()}
              declinedHere={declinedHere()}
              orgHref={orgHome(closed().org.slug, closed().role)}
              signedIn={Boolean(me())}
            />
          )}
        </Match>
      </Switch>
    </PublicLayout>
  );
}

/** `/invitations/:token`, the link in every invitation mail. */
export default function InvitationPage() {
  const params = useParams<{ token: string }>();
  return (
    <Show when={params.token} keyed>
      {(token) => <InvitationScreen source={invitationByToken(token)} />}
    </Show>
  );
}
