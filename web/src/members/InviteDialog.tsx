import { createSignal, createUniqueId, For, Match, Show, Switch, type JSX } from "solid-js";
import { invitationTtlDays } from "../../../worker/domain/invitations.ts";
import { canGrant, roles, type Role } from "../../../worker/domain/roles.ts";
import type { CreatedInvitationView, SeatsView } from "../../../worker/views/index.ts";
import { ApiError, describeError, post } from "../api.ts";
import { CopyButton } from "../components/CopyButton.tsx";
import { Dialog } from "../components/Dialog.tsx";
import { FormEnd } from "../components/FormEnd.tsx";
import { roleLabel } from "../model.ts";
import { useOrg } from "../stores/org-session.ts";
import { toast, toastError } from "../toast.ts";
import { BulkInvite } from "./BulkInvite.tsx";
import { inviteeProblem } from "./bulk-input.ts";
import { InviteProjects } from "../projects/InviteProjects.tsx";
import type { ProjectPick } from "../projects/ProjectRolesPicker.tsx";

/** What single and bulk invitations share: role choices, message, expiry, mail or link. */
export interface InviteSettings {
  roles: Role[];
  message: string;
  days: number;
  mail: boolean;
}

/**
 * "Invite people": one invitee (an address or a username) or many (pasted lines or a CSV
 * file), with a role up to the viewer's own, an optional message, the days it lives, and
 * whether to mail it or hand the link over (`mail: false`: the answer's link, copied here).
 */
export function InviteDialog(props: { open: boolean; close: () => void; seats: SeatsView }) {
  const org = useOrg();
  const id = createUniqueId();
  const viewerRole = () => org.viewer()?.role ?? "restricted";
  const grantable = () => roles.filter((r) => canGrant(viewerRole(), r));
  const [mode, setMode] = createSignal<"one" | "many">("one");
  const [busy, setBusy] = createSignal(false);
  const [message, setMessage] = createSignal("");
  const [days, setDays] = createSignal(org.state.org?.defaultInviteTtlDays ?? 7);
  const [mail, setMail] = createSignal(true);
  const settings = (): InviteSettings => ({ roles: grantable(), message: message(), days: days(), mail: mail() });
  const close = () => {
    if (busy()) return;
    setMode("one");
    setMessage("");
    setDays(org.state.org?.defaultInviteTtlDays ?? 7);
    setMail(true);
    props.close();
  };

  return (
    <Dialog open={props.open} title="Invite people" busy={busy()} onClose={close}>
      <fieldset class="segmented" disabled={busy()}>
        <legend class="visually-hidden">How many people</legend>
        <label>
          <input type="radio" name={`${id}-mode`} checked={mode() === "one"} onChange={() => setMode("one")} /> One person
        </label>
        <label>
          <input type="radio" name={`${id}-mode`} checked={mode() === "many"} onChange={() => setMode("many")} /> Many (paste or CSV)
        </label>
      </fieldset>
      <Switch>
        <Match when={mode() === "one"}>
          <SingleInvite settings={settings()} seats={props.seats} busy={busy()} setBusy={setBusy} close={close}>
            <Shared id={id} message={message()} setMessage={setMessage} days={days()} setDays={setDays} mail={mail()} setMail={setMail} />
          </SingleInvite>
        </Match>
        <Match when={mode() === "many"}>
          <BulkInvite settings={settings()} seats={props.seats} viewerRole={viewerRole()} busy={busy()} setBusy={setBusy} close={close}>
            <Shared id={id} message={message()} setMessage={setMessage} days={days()} setDays={setDays} mail={mail()} setMail={setMail} />
          </BulkInvite>
        </Match>
      </Switch>
    </Dialog>
  );
}

/** Message, expiry and mail-or-link: the same for one invitee or many. */
function Shared(props: { id: string; message: string; setMessage: (v: string) => void; days: number; setDays: (v: number) => void; mail: boolean; setMail: (v: boolean) => void }) {
  return (
    <>
      <div class="field">
        <label for={`${props.id}-message`}>Message (optional)</label>
        <textarea id={`${props.id}-message`} rows={2} maxLength={1000} value={props.message} onInput={(e) => props.setMessage(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for={`${props.id}-days`}>Expires after (days)</label>
        <input
          id={`${props.id}-days`}
          type="number"
          min={invitationTtlDays.min}
          max={invitationTtlDays.max}
          required
          value={props.days}
          onInput={(e) => props.setDays(e.currentTarget.valueAsNumber)}
        />
        <p class="hint">
          {invitationTtlDays.min}–{invitationTtlDays.max} days; the organization's default is filled in.
        </p>
      </div>
      <label class="check-line">
        <input type="checkbox" checked={!props.mail} onChange={(e) => props.setMail(!e.currentTarget.checked)} /> Don't send a mail — copy the invite link instead
      </label>
    </>
  );
}

function SingleInvite(props: {
  settings: InviteSettings;
  seats: SeatsView;
  busy: boolean;
  setBusy: (busy: boolean) => void;
  close: () => void;
  children: JSX.Element;
}) {
  const org = useOrg();
  const id = createUniqueId();
  const [invitee, setInvitee] = createSignal("");
  const [role, setRole] = createSignal<Role>("member");
  const [projects, setProjects] = createSignal<ProjectPick[]>([]);
  const [fieldError, setFieldError] = createSignal<string>();
  const [error, setError] = createSignal<string>();
  const [made, setMade] = createSignal<CreatedInvitationView>();

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const who = invitee().trim();
    const problem = who === "" ? "Enter an email address or a username." : inviteeProblem(who.includes("@") ? who.toLowerCase() : who);
    setFieldError(problem ?? undefined);
    if (problem) return;
    props.setBusy(true);
    setError(undefined);
    try {
      const answer = await post<CreatedInvitationView>(`/api/v1/orgs/${encodeURIComponent(org.slug)}/invitations`, {
        invitee: who,
        role: role(),
        projects: projects(),
        message: props.settings.message.trim() || null,
        expiresInDays: props.settings.days,
        mail: props.settings.mail,
      });
      org.invitations.show(answer.invitation);
      if (props.settings.mail) {
        toast(`Invitation sent to ${who}.`);
        setInvitee("");
        props.setBusy(false);
        props.close();
        return;
      }
      setMade(answer);
      const copied = await navigator.clipboard?.writeText(answer.inviteUrl).then(
        () => true,
        () => false,
      );
      toast(copied ? `Invited ${who}; the link is copied.` : `Invited ${who}; copy the link below.`);
    } catch (failure) {
      const issue = failure instanceof ApiError ? failure.issues.find((i) => i.path === "invitee") : undefined;
      if (issue) setFieldError(issue.message);
      setError(describeError(failure));
      toastError(failure);
    } finally {
      props.setBusy(false);
    }
  };

  return (
    <Show
      when={made()}
      fallback={
        <form class="form" onSubmit={(e) => void submit(e)} novalidate>
          <div class="field">
            <label for={`${id}-invitee`}>Email or username</label>
            <input
              id={`${id}-invitee`}
              autofocus
              autocomplete="off"
              spellcheck={false}
              placeholder="ada@example.com or ada-lovelace"
              value={invitee()}
              aria-invalid={fieldError() ? true : undefined}
              aria-describedby={fieldError() ? `${id}-invitee-error` : undefined}
              onInput={(e) => setInvitee(e.currentTarget.value)}
            />
            <Show when={fieldError()}>
              <p id={`${id}-invitee-error`} class="field-error">
                {fieldError()}
              </p>
            </Show>
          </div>
          <div class="field">
            <label for={`${id}-role`}>Role</label>
            <select id={`${id}-role`} value={role()} onChange={(e) => setRole(e.currentTarget.value as Role)}>
              <For each={props.settings.roles}>{(r) => <option value={r}>{roleLabel[r]}</option>}</For>
            </select>
          </div>
          <Show when={org.can("projects:read")}>
            <InviteProjects value={projects()} onChange={setProjects} />
          </Show>
          {props.children}
          <FormEnd
            pending={props.busy}
            error={error()}
            close={props.close}
            label={props.settings.mail ? "Send invitation" : "Create invite link"}
            pendingLabel="Inviting…"
            disabled={props.seats.available === 0}
          />
        </form>
      }
    >
      {(answer) => (
        <div class="form">
          <p>
            <strong>{invitee().trim()}</strong> is invited as {roleLabel[answer().invitation.role]}. No mail was sent: give them this link.
          </p>
          <div class="link-box">
            <label class="visually-hidden" for={`${id}-link`}>
              Invite link
            </label>
            <input id={`${id}-link`} readOnly value={answer().inviteUrl} onFocus={(e) => e.currentTarget.select()} />
            <CopyButton text={answer().inviteUrl} label="Copy link" />
          </div>
          <div class="actions dialog-actions">
            <button
              type="button"
              class="button secondary"
              onClick={() => {
                setMade(undefined);
                setInvitee("");
              }}
            >
              Invite someone else
            </button>
            <button type="button" class="button primary" onClick={() => props.close()}>
              Done
            </button>
          </div>
        </div>
      )}
    </Show>
  );
}
