import { createSignal, createUniqueId, For, Show } from "solid-js";
import { invitationTtlDays } from "../../../worker/domain/invitations.ts";
import { canGrant, roles, type Role } from "../../../worker/domain/roles.ts";
import type { CreatedInvitationView, ExtendedInvitationView, InvitationView } from "../../../worker/views/index.ts";
import { api, post } from "../api.ts";
import { CopyButton } from "../components/CopyButton.tsx";
import { createAction } from "../components/action.ts";
import { ConfirmDialog, Dialog } from "../components/Dialog.tsx";
import { FormEnd } from "../components/FormEnd.tsx";
import { roleLabel } from "../model.ts";
import type { InvitationsStore } from "../stores/invitations.ts";
import { toast, toastError } from "../toast.ts";
import type { InvitationAction } from "./rules.ts";
import { InviteProjects } from "../projects/InviteProjects.tsx";
import type { ProjectPick } from "../projects/ProjectRolesPicker.tsx";

/** An invitation's invitee as the list shows it: the address, or @username. */
export const inviteeOf = (invitation: Pick<InvitationView, "email" | "username">) => invitation.email ?? `@${invitation.username ?? ""}`;

/** The dialog the invitations tab has open. */
export interface InvitationDialogState {
  kind: "extend" | "edit" | "revoke" | "delete" | "link";
  invitation: InvitationView;
  /** The fresh link (kind `link`). */
  url?: string;
}

/** The menu's words for each action on an invitation (expired ones make a fresh invitation). */
export function actionLabel(action: InvitationAction, expired: boolean): string {
  const labels: Record<InvitationAction, string> = {
    resend: expired ? "Resend as a new invitation" : "Resend",
    link: expired ? "Copy link of a new invitation" : "Copy link",
    extend: expired ? "Extend as a new invitation…" : "Extend…",
    edit: "Edit…",
    revoke: "Revoke…",
    delete: "Delete…",
  };
  return labels[action];
}

/**
 * Runs an invitation action: resend and copy link at once; the others open their dialog.
 * Answers shown at once in the list (`show`), before their live event.
 */
export function createInvitationActions(slug: string, store: InvitationsStore, open: (state: InvitationDialogState) => void) {
  const base = (id: string) => `/api/v1/orgs/${encodeURIComponent(slug)}/invitations/${encodeURIComponent(id)}`;
  return async (action: InvitationAction, invitation: InvitationView): Promise<void> => {
    try {
      if (action === "resend") {
        const answer = await post<CreatedInvitationView>(`${base(invitation.id)}/resend`);
        store.show(answer.invitation);
        toast(answer.invitation.id === invitation.id ? `Sent the invitation to ${inviteeOf(invitation)} again.` : `Sent a new invitation to ${inviteeOf(invitation)}.`);
      } else if (action === "link") {
        const answer = await post<CreatedInvitationView>(`${base(invitation.id)}/link`);
        store.show(answer.invitation);
        const copied = await navigator.clipboard?.writeText(answer.inviteUrl).then(
          () => true,
          () => false,
        );
        if (copied) toast("Invite link copied. The previous link no longer works.");
        open({ kind: "link", invitation: answer.invitation, url: answer.inviteUrl });
      } else open({ kind: action, invitation });
    } catch (failure) {
      toastError(failure);
    }
  };
}

/** The invitations tab's dialogs: the fresh link, extend, edit, revoke and delete. */
export function InvitationDialogs(props: {
  slug: string;
  viewerRole: Role;
  defaultDays: number;
  store: InvitationsStore;
  state: InvitationDialogState | null;
  close: () => void;
}) {
  const { pending, error, setError, run: send } = createAction({ toast: true });
  const base = (id: string) => `/api/v1/orgs/${encodeURIComponent(props.slug)}/invitations/${encodeURIComponent(id)}`;
  const of = (kind: InvitationDialogState["kind"]) => (props.state?.kind === kind ? props.state : undefined);
  const close = () => {
    setError(undefined);
    props.close();
  };
  const run = (action: () => Promise<void>) =>
    send(async () => {
      await action();
      close();
    });

  return (
    <>
      <Dialog open={of("link") !== undefined} title="Invite link" onClose={close} description={`Anyone with this link can join as ${inviteeOf(of("link")?.invitation ?? { email: "", username: null })}. The previous link no longer works.`}>
        <div class="link-box">
          <label class="visually-hidden" for="invite-link">
            Invite link
          </label>
          <input id="invite-link" readOnly value={of("link")?.url ?? ""} onFocus={(e) => e.currentTarget.select()} />
          <CopyButton text={of("link")?.url ?? ""} label="Copy link" />
        </div>
        <div class="actions dialog-actions">
          <button type="button" class="button primary" onClick={close}>
            Done
          </button>
        </div>
      </Dialog>

      <Show when={of("extend")} keyed>
        {(s) => (
          <ExtendDialog
            invitation={s.invitation}
            defaultDays={props.defaultDays}
            pending={pending()}
            error={error()}
            close={close}
            submit={(days) =>
              void run(async () => {
                const answer = await post<ExtendedInvitationView>(`${base(s.invitation.id)}/extend`, { days });
                props.store.show(answer.invitation);
                toast(answer.inviteUrl ? `Sent a new invitation to ${inviteeOf(s.invitation)}.` : `Extended the invitation to ${inviteeOf(s.invitation)}.`);
              })
            }
          />
        )}
      </Show>

      <Show when={of("edit")} keyed>
        {(s) => (
          <EditDialog
            invitation={s.invitation}
            roles={roles.filter((r) => canGrant(props.viewerRole, r))}
            pending={pending()}
            error={error()}
            close={close}
            submit={(patch) =>
              void run(async () => {
                const answer = await api<{ invitation: InvitationView }>(base(s.invitation.id), { method: "PATCH", body: JSON.stringify(patch) });
                props.store.show(answer.invitation);
                toast(`Saved the invitation to ${inviteeOf(s.invitation)}.`);
              })
            }
          />
        )}
      </Show>

      <ConfirmDialog
        open={of("revoke") !== undefined}
        title="Revoke this invitation?"
        description={`The link sent to ${inviteeOf(of("revoke")?.invitation ?? { email: "", username: null })} stops working and its seat is freed.`}
        confirmLabel="Revoke"
        pendingLabel="Revoking…"
        danger
        pending={pending()}
        error={error()}
        onClose={close}
        onConfirm={() => {
          const s = of("revoke");
          if (s) {
            void run(async () => {
              const answer = await post<{ invitation: InvitationView }>(`${base(s.invitation.id)}/revoke`);
              props.store.show(answer.invitation);
              toast(`Revoked the invitation to ${inviteeOf(s.invitation)}.`);
            });
          }
        }}
      />

      <ConfirmDialog
        open={of("delete") !== undefined}
        title="Delete this invitation?"
        description={`The invitation to ${inviteeOf(of("delete")?.invitation ?? { email: "", username: null })} leaves the list for good (the audit trail keeps its history).`}
        confirmLabel="Delete"
        pendingLabel="Deleting…"
        danger
        pending={pending()}
        error={error()}
        onClose={close}
        onConfirm={() => {
          const s = of("delete");
          if (s) {
            void run(async () => {
              await api(base(s.invitation.id), { method: "DELETE" });
              toast(`Deleted the invitation to ${inviteeOf(s.invitation)}.`);
            });
          }
        }}
      />
    </>
  );
}

interface FormProps<T> {
  invitation: InvitationView;
  pending: boolean;
  error: string | undefined;
  close: () => void;
  submit: (value: T) => void;
}

function ExtendDialog(props: FormProps<number> & { defaultDays: number }) {
  const id = createUniqueId();
  const [days, setDays] = createSignal(props.defaultDays);
  return (
    <Dialog open title={`Extend the invitation to ${inviteeOf(props.invitation)}`} busy={props.pending} onClose={props.close}>
      <form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          props.submit(days());
        }}
      >
        <div class="field">
          <label for={id}>Expires in (days from now)</label>
          <input id={id} type="number" min={invitationTtlDays.min} max={invitationTtlDays.max} required value={days()} onInput={(e) => setDays(e.currentTarget.valueAsNumber)} />
          <p class="hint">
            {invitationTtlDays.min}–{invitationTtlDays.max} days. An expired invitation is sent again as a new one.
          </p>
        </div>
        <FormEnd pending={props.pending} error={props.error} close={props.close} label="Extend" pendingLabel="Extending…" />
      </form>
    </Dialog>
  );
}

function EditDialog(props: FormProps<{ role?: Role; message?: string | null; projects?: ProjectPick[] }> & { roles: Role[] }) {
  const id = createUniqueId();
  const [role, setRole] = createSignal<Role>(props.invitation.role);
  const [projects, setProjects] = createSignal<ProjectPick[]>(props.invitation.projectAssignments);
  const [message, setMessage] = createSignal(props.invitation.message ?? "");
  return (
    <Dialog open title={`Edit the invitation to ${inviteeOf(props.invitation)}`} busy={props.pending} onClose={props.close}>
      <form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          const text = message().trim();
          const projectsChanged = JSON.stringify(projects()) !== JSON.stringify(props.invitation.projectAssignments);
          props.submit({ ...(role() !== props.invitation.role ? { role: role() } : {}), ...(projectsChanged ? { projects: projects() } : {}), message: text === "" ? null : text });
        }}
      >
        <div class="field">
          <label for={`${id}-role`}>Role</label>
          <select id={`${id}-role`} value={role()} onChange={(e) => setRole(e.currentTarget.value as Role)}>
            <For each={props.roles}>{(r) => <option value={r}>{roleLabel[r]}</option>}</For>
          </select>
        </div>
        <div class="field">
          <label for={`${id}-message`}>Message</label>
          <textarea id={`${id}-message`} rows={3} maxLength={1000} value={message()} onInput={(e) => setMessage(e.currentTarget.value)} />
          <p class="hint">A mail already sent keeps its text; a resend carries this one.</p>
        </div>
        <InviteProjects value={projects()} onChange={setProjects} />
        <FormEnd pending={props.pending} error={props.error} close={props.close} label="Save" pendingLabel="Saving…" />
      </form>
    </Dialog>
  );
}
