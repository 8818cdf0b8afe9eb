import { createSignal, createUniqueId, For, Show } from "solid-js";
import type { Role } from "../../../worker/domain/roles.ts";
import type { MemberRemovalsView, MemberView } from "../../../worker/views/index.ts";
import { api, describeError, post } from "../api.ts";
import { createAction } from "../components/action.ts";
import { ConfirmDialog, Dialog } from "../components/Dialog.tsx";
import { FormEnd } from "../components/FormEnd.tsx";
import { roleLabel } from "../model.ts";
import { toast, toastError } from "../toast.ts";
import { displayName } from "./rules.ts";

/** What the members page may have open: one dialog at a time. */
export type MemberDialogState =
  | { kind: "edit"; member: MemberView; roles: Role[]; title: boolean }
  | { kind: "remove"; member: MemberView; self: boolean }
  | { kind: "transfer"; member: MemberView }
  | { kind: "bulk-remove"; members: MemberView[] }
  | { kind: "bulk-results"; rows: Array<{ member: MemberView; removed: boolean; message: string }> };

const memberPath = (slug: string, userId = "") => `/api/v1/orgs/${encodeURIComponent(slug)}/members${userId ? `/${encodeURIComponent(userId)}` : ""}`;

/** The dialog of `state`, if any. `done` closes it; `next` opens another (bulk results). */
export function MemberDialogs(props: { slug: string; orgName: string; state: MemberDialogState | null; close: () => void; show: (next: MemberDialogState) => void }) {
  /** `run(action)` shows the API's refusal in the dialog and in a toast. */
  const { pending, error, setError, run } = createAction({ toast: true });
  const close = () => {
    setError(undefined);
    props.close();
  };
  const state = <K extends MemberDialogState["kind"]>(kind: K) => {
    const current = props.state;
    return current?.kind === kind ? (current as Extract<MemberDialogState, { kind: K }>) : undefined;
  };

  const nameOf = (kind: "remove" | "transfer") => {
    const member = state(kind)?.member;
    return member ? displayName(member) : "";
  };

  return (
    <>
      <Show when={state("edit")} keyed>
        {(s) => <EditMember slug={props.slug} member={s.member} roles={s.roles} title={s.title} close={close} />}
      </Show>
      <ConfirmDialog
        open={state("remove") !== undefined}
        title={state("remove")?.self ? `Leave ${props.orgName}?` : `Remove ${nameOf("remove")}?`}
        description={
          state("remove")?.self
            ? "You lose access at once. Only an invitation brings you back."
            : `${nameOf("remove")} (${state("remove")?.member.email ?? ""}) loses access at once, and their API keys stop working. Their seat is freed.`
        }
        confirmLabel={state("remove")?.self ? "Leave" : "Remove"}
        pendingLabel="Removing…"
        danger
        pending={pending()}
        error={error()}
        onClose={close}
        onConfirm={() => {
          const s = state("remove");
          if (!s) return;
          void run(async () => {
            await api(memberPath(props.slug, s.member.userId), { method: "DELETE" });
            toast(s.self ? `You left ${props.orgName}.` : `Removed ${displayName(s.member)}.`);
            close();
          });
        }}
      />
      <ConfirmDialog
        open={state("transfer") !== undefined}
        title={`Make ${nameOf("transfer")} the owner?`}
        description={`${nameOf("transfer")} becomes an owner and you become an admin. Only an owner can make you owner again.`}
        confirmLabel="Transfer ownership"
        pendingLabel="Transferring…"
        danger
        pending={pending()}
        error={error()}
        onClose={close}
        onConfirm={() => {
          const s = state("transfer");
          if (!s) return;
          void run(async () => {
            await post(`/api/v1/orgs/${encodeURIComponent(props.slug)}/transfer-ownership`, { userId: s.member.userId });
            toast(`${displayName(s.member)} is now the owner; you are an admin.`);
            close();
          });
        }}
      />
      <ConfirmDialog
        open={state("bulk-remove") !== undefined}
        title={`Remove ${plural(state("bulk-remove")?.members.length ?? 0, "member")}?`}
        description={<SomeNames members={state("bulk-remove")?.members ?? []} />}
        confirmLabel={`Remove ${plural(state("bulk-remove")?.members.length ?? 0, "member")}`}
        pendingLabel="Removing…"
        danger
        pending={pending()}
        error={error()}
        onClose={close}
        onConfirm={() => {
          const s = state("bulk-remove");
          if (!s) return;
          void run(async () => {
            const answer = await post<MemberRemovalsView>(`${memberPath(props.slug)}/bulk-remove`, { userIds: s.members.map((m) => m.userId) });
            const byId = new Map(answer.results.map((r) => [r.userId, r]));
            const rows = s.members.map((member) => {
              const result = byId.get(member.userId);
              return { member, removed: result?.removed === true, message: result?.removed ? "Removed" : (result?.error?.message ?? "Not removed") };
            });
            const removed = rows.filter((r) => r.removed).length;
            toast(removed === rows.length ? `Removed ${plural(removed, "member")}.` : `Removed ${removed} of ${rows.length}; see why not.`);
            props.show({ kind: "bulk-results", rows });
          });
        }}
      />
      <Dialog open={state("bulk-results") !== undefined} title="Removal results" onClose={close}>
        <ul class="result-list" aria-label="Removal results">
          <For each={state("bulk-results")?.rows ?? []}>
            {(row) => (
              <li classList={{ failed: !row.removed }}>
                <span>
                  <strong>{displayName(row.member)}</strong> <span class="muted">{row.member.email}</span>
                </span>
                <span>{row.message}</span>
              </li>
            )}
          </For>
        </ul>
        <div class="actions dialog-actions">
          <button type="button" class="button primary" autofocus onClick={close}>
            Done
          </button>
        </div>
      </Dialog>
    </>
  );
}

function SomeNames(props: { members: MemberView[] }) {
  const shown = () => props.members.slice(0, 8);
  return (
    <>
      They lose access at once: {shown().map(displayName).join(", ")}
      {props.members.length > shown().length ? ` and ${props.members.length - shown().length} more` : ""}.
    </>
  );
}

/** Role and title of one member. Only the fields that changed are sent. */
function EditMember(props: { slug: string; member: MemberView; roles: Role[]; title: boolean; close: () => void }) {
  const roleId = createUniqueId();
  const titleId = createUniqueId();
  const [role, setRole] = createSignal<Role>(props.member.role);
  const [title, setTitle] = createSignal(props.member.title);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string>();
  const save = async (event: SubmitEvent) => {
    event.preventDefault();
    const patch: { role?: Role; title?: string } = {};
    if (role() !== props.member.role) patch.role = role();
    if (title().trim() !== props.member.title) patch.title = title().trim();
    if (Object.keys(patch).length === 0) return props.close();
    setBusy(true);
    try {
      await api(memberPath(props.slug, props.member.userId), { method: "PATCH", body: JSON.stringify(patch) });
      toast(`Saved ${displayName(props.member)}.`);
      props.close();
    } catch (failure) {
      setError(describeError(failure));
      toastError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open title={`Edit ${displayName(props.member)}`} description={props.member.email} busy={busy()} onClose={props.close}>
      <form class="form" onSubmit={(e) => void save(e)}>
        <Show when={props.roles.length > 0}>
          <div class="field">
            <label for={roleId}>Role</label>
            <select id={roleId} value={role()} onChange={(e) => setRole(e.currentTarget.value as Role)}>
              <For each={props.roles}>{(r) => <option value={r}>{roleLabel[r]}</option>}</For>
            </select>
          </div>
        </Show>
        <Show when={props.title}>
          <div class="field">
            <label for={titleId}>Title</label>
            <input id={titleId} value={title()} maxLength={200} placeholder="e.g. Engineering lead" onInput={(e) => setTitle(e.currentTarget.value)} />
          </div>
        </Show>
        <FormEnd pending={busy()} error={error()} close={props.close} label="Save" pendingLabel="Saving…" />
      </form>
    </Dialog>
  );
}

export function plural(n: number, word: string): string {
  return `${n.toLocaleString("en")} ${word}${n === 1 ? "" : "s"}`;
}
