import { createEffect, createSignal, Show } from "solid-js";
import type { OrgView, SeatsView } from "../../../worker/views/index.ts";
import { invitationTtlDays } from "../../../worker/domain/invitations.ts";
import { api } from "../api.ts";
import {
  draftOf,
  draftProblems,
  patchOf,
  seatCapOf,
  seatLimitMax,
  serverProblems,
  type SettingsDraft,
  type SettingsField,
  type SettingsProblems,
} from "../org-admin/settings.ts";
import { toast, toastError } from "../toast.ts";
import { DomainsEditor } from "./DomainsEditor.tsx";
import { NumberField, TextField } from "./Fields.tsx";

/**
 * The owners' settings form: one PATCH of what changed. Problems show per field, the API's
 * refusals beside the field they are about; fields nobody touched follow the organization
 * as it changes elsewhere. Making it dormant, and deleting it, are the danger zone's
 * (lifecycle/DangerZone.tsx).
 */
export function SettingsForm(props: { org: OrgView; seats: SeatsView | null; canSetSeats: boolean; onSaved: (org: OrgView) => void }) {
  /** What the person typed; any field not here shows the organization as it is now. */
  const [edits, setEdits] = createSignal<Partial<SettingsDraft>>({});
  /**
   * Fields a save checked: their problems show, and follow the typing, from then on. Not on
   * blur: a message appearing as a field loses focus moves the button being clicked.
   */
  const [touched, setTouched] = createSignal<ReadonlySet<SettingsField>>(new Set());
  const [server, setServer] = createSignal<SettingsProblems>({});
  const [pending, setPending] = createSignal(false);
  const [cap, setCap] = createSignal<number>();
  const inputs: Partial<Record<SettingsField, HTMLElement>> = {};

  const base = () => draftOf(props.org);
  const draft = (): SettingsDraft => ({ ...base(), ...edits() });
  const changed = () =>
    new Set((Object.keys(edits()) as SettingsField[]).filter((k) => JSON.stringify(edits()[k]) !== JSON.stringify(base()[k])));
  const local = () => draftProblems(draft(), changed());
  const problem = (field: SettingsField) => server()[field] ?? (touched().has(field) ? local()[field] : undefined);

  const edit = <K extends SettingsField>(field: K, value: SettingsDraft[K]) => {
    setEdits((e) => ({ ...e, [field]: value }));
    setServer((s) => ({ ...s, [field]: undefined, form: undefined }));
    if (field === "seatLimit") setCap(undefined);
  };

  // A change saved elsewhere that equals what was typed is no longer an edit.
  createEffect(() => {
    const same = (Object.keys(edits()) as SettingsField[]).filter((k) => JSON.stringify(edits()[k]) === JSON.stringify(base()[k]));
    if (same.length) setEdits((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !same.includes(k as SettingsField))));
  });

  /** What to send: what differs, less what this role may not change. */
  const currentPatch = () => {
    const patch = patchOf(draft(), props.org);
    if (!props.canSetSeats) delete patch.seatLimit;
    return patch;
  };

  const focusFirst = (problems: SettingsProblems) => {
    const order: SettingsField[] = ["name", "seatLimit", "defaultInviteTtlDays", "allowedEmailDomains", "autoPrivateProject"];
    const first = order.find((f) => problems[f]);
    if (first) inputs[first]?.focus();
  };

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    setTouched(new Set(changed()));
    if (Object.keys(local()).length) return focusFirst(local());
    const patch = currentPatch();
    if (Object.keys(patch).length === 0) return;
    void save(patch);
  };

  const save = async (patch: Record<string, unknown>) => {
    setPending(true);
    setServer({});
    try {
      const answer = await api<{ org: OrgView }>(`/api/v1/orgs/${encodeURIComponent(props.org.slug)}`, {
        method: "PATCH",
        body: JSON.stringify(patch),
      });
      props.onSaved(answer.org);
      setEdits({});
      setTouched(new Set<SettingsField>());
      toast("Settings saved.");
    } catch (error) {
      const problems = serverProblems(error);
      setServer(problems);
      setCap(seatCapOf(error));
      if (problems.form) toastError(error);
      focusFirst(problems);
    } finally {
      setPending(false);
    }
  };

  const count = () => changed().size;

  return (
    <form class="form admin-page" novalidate onSubmit={onSubmit} aria-label="Organization settings">
      <section class="card" aria-labelledby="general-title">
        <h2 id="general-title">General</h2>
        <TextField
          label="Organization name"
          ref={(el) => (inputs.name = el)}
          value={draft().name}
          maxLength={100}
          autocomplete="organization"
          error={problem("name")}
          onInput={(v) => edit("name", v)}
        />
        <p class="hint">
          Its address stays <code>/orgs/{props.org.slug}</code>.
        </p>
      </section>

      <Show when={props.canSetSeats}>
        <section class="card" aria-labelledby="seats-title">
          <h2 id="seats-title">Seats</h2>
          <NumberField
            label="Seat limit"
            ref={(el) => (inputs.seatLimit = el)}
            value={draft().seatLimit}
            min={0}
            max={seatLimitMax}
            error={problem("seatLimit")}
            hint={
              <>
                {props.seats ? `${props.seats.used} in use now (members and pending invitations). ` : ""}
                Lowering the limit removes nobody; it only stops new invitations until seats free up.
              </>
            }
            onInput={(v) => edit("seatLimit", v)}
          />
          <Show when={cap()}>
            {(max) => (
              <div class="actions">
                <button type="button" class="button secondary small" onClick={() => edit("seatLimit", String(max()))}>
                  Use the maximum, {max().toLocaleString()} seats
                </button>
              </div>
            )}
          </Show>
        </section>
      </Show>

      <section class="card" aria-labelledby="invitations-title">
        <h2 id="invitations-title">Invitations</h2>
        <div class="form">
          <NumberField
            label="Default invitation expiry (days)"
            ref={(el) => (inputs.defaultInviteTtlDays = el)}
            value={draft().defaultInviteTtlDays}
            min={invitationTtlDays.min}
            max={invitationTtlDays.max}
            error={problem("defaultInviteTtlDays")}
            hint={`How long a new invitation stays open unless its sender chooses: ${invitationTtlDays.min} to ${invitationTtlDays.max} days.`}
            onInput={(v) => edit("defaultInviteTtlDays", v)}
          />
          <DomainsEditor domains={draft().allowedEmailDomains} error={problem("allowedEmailDomains")} onChange={(d) => edit("allowedEmailDomains", d)} />
        </div>
      </section>

      <section class="card" aria-labelledby="projects-title">
        <h2 id="projects-title">Projects</h2>
        <label class="check">
          <input
            type="checkbox"
            ref={(el) => (inputs.autoPrivateProject = el)}
            checked={draft().autoPrivateProject}
            onChange={(e) => edit("autoPrivateProject", e.currentTarget.checked)}
            aria-describedby="auto-private-hint"
          />
          <span>
            <strong>Give every new member a private project</strong>
            <span id="auto-private-hint" class="hint">
              Each person who joins from now on gets a private project of their own, named after them, with them as its owner.
            </span>
          </span>
        </label>
        <Show when={problem("autoPrivateProject")}>
          <p class="field-error">{problem("autoPrivateProject")}</p>
        </Show>
      </section>

      <Show when={server().form}>
        <p class="banner error" role="alert">
          {server().form}
        </p>
      </Show>
      <div class="save-bar">
        <button type="submit" class="button primary" disabled={pending() || count() === 0}>
          {pending() ? "Saving…" : "Save changes"}
        </button>
        <button
          type="button"
          class="button secondary"
          disabled={pending() || count() === 0}
          onClick={() => {
            setEdits({});
            setServer({});
            setTouched(new Set<SettingsField>());
          }}
        >
          Discard
        </button>
        <p class="hint" role="status">
          {count() === 0 ? "No unsaved changes." : `${count()} unsaved change${count() === 1 ? "" : "s"}.`}
        </p>
      </div>

    </form>
  );
}
