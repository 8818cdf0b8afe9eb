import { A } from "@solidjs/router";
import { Show, type JSX } from "solid-js";
import type { InvitationPreviewView, Role } from "../../../worker/views/index.ts";
import { roleLabel } from "../model.ts";
import { formatDateTime, fromNow } from "../relative-time.ts";
import "../invitee.css";

/** "an admin", "a member": a role as the sentence "… invited you to join Acme as ___" needs it. */
export const asRole: Record<Role, string> = { owner: "an owner", admin: "an admin", member: "a member", restricted: "a restricted member" };

/** What each role may do, from worker/domain/roles.ts's permissions, in a reader's words. */
const roleMeans: Record<Role, string> = {
  owner: "Owners can do everything: settings, seats, API keys and ownership.",
  admin: "Admins invite and manage members and read the audit trail.",
  member: "Members see the organization and its members.",
  restricted: "Restricted members see the organization, not its members.",
};

/** The organization's name, or a stand-in when it is gone. */
export const orgName = (preview: InvitationPreviewView) => preview.org.name || "the organization";
/** Who invited, or a stand-in. */
export const inviterName = (preview: InvitationPreviewView) => preview.inviter.name || "Someone";

/** A page heading that takes focus when it appears, so a screen reader hears the new state. */
export function Heading(props: { children: JSX.Element; focus?: boolean }) {
  return (
    <h1 tabindex="-1" ref={(el) => props.focus && queueMicrotask(() => el.focus())}>
      {props.children}
    </h1>
  );
}

/** Organization, inviter, role (and what it means) and expiry. */
export function InvitationFacts(props: { preview: InvitationPreviewView }) {
  return (
    <dl class="invitation-facts">
      <div>
        <dt>Organization</dt>
        <dd>{orgName(props.preview)}</dd>
      </div>
      <div>
        <dt>Invited by</dt>
        <dd>{inviterName(props.preview)}</dd>
      </div>
      <div>
        <dt>Role</dt>
        <dd>
          {roleLabel[props.preview.role]}
          <span class="hint">{roleMeans[props.preview.role]}</span>
        </dd>
      </div>
      <div>
        <dt>{props.preview.status === "expired" ? "Expired" : "Expires"}</dt>
        <dd>
          <time datetime={props.preview.expiresAt} title={formatDateTime(props.preview.expiresAt)}>
            {fromNow(props.preview.expiresAt)}
          </time>
          <span class="hint">{formatDateTime(props.preview.expiresAt)}</span>
        </dd>
      </div>
    </dl>
  );
}

/** The invitation, still open: who asks whom to join what. The actions come as children. */
export function PendingInvitation(props: { preview: InvitationPreviewView; children: JSX.Element }) {
  return (
    <>
      <p class="eyebrow">Invitation</p>
      <Heading>Join {orgName(props.preview)} on Roster</Heading>
      <p>
        <strong>{inviterName(props.preview)}</strong> invited you to join <strong>{orgName(props.preview)}</strong> as{" "}
        {asRole[props.preview.role]}.
      </p>
      <InvitationFacts preview={props.preview} />
      {props.children}
    </>
  );
}

/** An invitation that can no longer be answered: accepted, declined, revoked or expired. */
export function ClosedInvitation(props: {
  preview: InvitationPreviewView;
  /** Declined a moment ago on this page. */
  declinedHere?: boolean;
  /** The organization's page for someone who joined it. */
  orgHref: string;
  signedIn: boolean;
}) {
  const org = () => orgName(props.preview);
  const inviter = () => inviterName(props.preview);
  const home = () => (
    <A href="/" class="button ghost">
      {props.signedIn ? "Go to your dashboard" : "Go to Roster"}
    </A>
  );
  return (
    <>
      <p class="eyebrow">Invitation</p>
      <Show when={props.preview.status === "accepted"}>
        <Heading>This invitation has been accepted</Heading>
        <p>
          The invitation to join <strong>{org()}</strong> was accepted, so the link has done its work.
        </p>
        <div class="actions">
          <A href={props.orgHref} class="button primary">
            Open {org()}
          </A>
          {home()}
        </div>
      </Show>
      <Show when={props.preview.status === "declined"}>
        <Show
          when={props.declinedHere}
          fallback={
            <>
              <Heading>This invitation was declined</Heading>
              <p>
                The invitation to join <strong>{org()}</strong> was declined and can no longer be accepted. If you changed
                your mind, ask {inviter()} to invite you again.
              </p>
            </>
          }
        >
          <Heading focus>You declined the invitation</Heading>
          <p>
            You will not join <strong>{org()}</strong>. {inviter()} has been told. If you change your mind, ask them to invite
            you again.
          </p>
        </Show>
        <div class="actions">{home()}</div>
      </Show>
      <Show when={props.preview.status === "revoked"}>
        <Heading>This invitation was withdrawn</Heading>
        <p>
          <strong>{org()}</strong> revoked this invitation, so it can no longer be accepted. If you expected to join, ask{" "}
          {inviter()} for a new invitation.
        </p>
        <div class="actions">{home()}</div>
      </Show>
      <Show when={props.preview.status === "expired"}>
        <Heading>This invitation has expired</Heading>
        <p>
          The invitation to join <strong>{org()}</strong> expired{" "}
          <time datetime={props.preview.expiresAt}>{formatDateTime(props.preview.expiresAt)}</time>. Ask {inviter()} to
          send you a new one.
        </p>
        <div class="actions">{home()}</div>
      </Show>
    </>
  );
}

/** The link names no invitation: mistyped, cut short, or replaced by a newer one. */
export function UnknownInvitation(props: { signedIn: boolean; byId?: boolean }) {
  return (
    <>
      <div role="alert">
        <Heading>{props.byId ? "No such invitation" : "This invitation link does not work"}</Heading>
        <Show
          when={props.byId}
          fallback={
            <p>
              It may have been replaced by a newer invitation (sending an invitation again makes a new link), or it was
              copied incompletely. Open the most recent invitation email, or ask whoever invited you for a new one.
            </p>
          }
        >
          <p>There is no invitation with this address for the account you are signed in with.</p>
        </Show>
      </div>
      <div class="actions">
        <A href="/" class="button primary">
          {props.signedIn ? "Go to your dashboard" : "Go to Roster"}
        </A>
      </div>
    </>
  );
}

/**
 * Signed in with an account the invitation is not for (the API said `email_mismatch`).
 * Names the account signed in, never the one invited; the invitation stays pending.
 */
export function WrongAccount(props: {
  preview: InvitationPreviewView;
  email: string;
  switching: boolean;
  onSwitch: () => void;
}) {
  return (
    <>
      <div role="alert">
        <Heading focus>This invitation is for a different account</Heading>
        <p>
          You are signed in as <strong>{props.email}</strong>, but the invitation to join{" "}
          <strong>{orgName(props.preview)}</strong> was sent to another email address. Only that account can accept it.
        </p>
      </div>
      <p class="muted">Nothing was accepted or declined: the invitation is still waiting for its account.</p>
      <div class="actions">
        <button type="button" class="button primary" disabled={props.switching} onClick={() => props.onSwitch()}>
          {props.switching ? "Signing out…" : "Switch account"}
        </button>
        <A href="/" class="button ghost">
          Go to your dashboard
        </A>
      </div>
      <p class="hint">Switching signs you out, then brings you back here once you sign in with the invited email.</p>
    </>
  );
}
