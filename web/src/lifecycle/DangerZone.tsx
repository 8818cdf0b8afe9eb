import { createSignal } from "solid-js";
import { useNavigate } from "@solidjs/router";
import type { OrgView } from "../../../worker/views/index.ts";
import { createAction, createConfirmation } from "../components/action.ts";
import { ConfirmDialog, Dialog } from "../components/Dialog.tsx";
import { FormEnd } from "../components/FormEnd.tsx";
import { TextField } from "../components/Fields.tsx";
import { useSession } from "../stores/session.ts";
import { toast } from "../toast.ts";
import { confirmsDeletion, deleteOrg, setOrgStatus } from "./lifecycle.ts";

/**
 * The owners' danger zone on the settings page: make the organization dormant or wake it
 * (asked first), and delete it (the owner types its slug; the button stays disabled until
 * it matches). After a deletion the organization leaves the list and the page goes home.
 */
export function DangerZone(props: { org: OrgView; onChanged: (org: OrgView) => void }) {
  const dormant = () => props.org.status === "dormant";
  const statusChange = createConfirmation<true>();

  const changeStatus = () =>
    statusChange.confirm(async () => {
      const answer = await setOrgStatus(props.org.slug, dormant() ? "active" : "dormant");
      props.onChanged(answer.org);
      statusChange.close();
      toast(answer.org.status === "dormant" ? `${answer.org.name} is dormant.` : `${answer.org.name} is active again.`);
    });

  return (
    <section class="card danger-zone" aria-labelledby="danger-title">
      <h2 id="danger-title">Danger zone</h2>

      <div class="danger-row">
        <div>
          <h3>{dormant() ? "This organization is dormant" : "Make dormant"}</h3>
          <p class="hint">
            {dormant()
              ? "Nobody new can join: invitations cannot be sent or accepted, and self-registration links do not work. Wake it to take people again."
              : "Members, keys and data are kept, but nobody new can join: no invitations, no link joins, and pending invitations cannot be accepted."}
          </p>
        </div>
        <button type="button" class="button danger-outline" onClick={() => statusChange.ask(true)}>
          {dormant() ? "Wake organization" : "Make organization dormant"}
        </button>
      </div>

      <div class="danger-row">
        <div>
          <h3>Delete organization</h3>
          <p class="hint">Every membership, API key, pending invitation and link ends at once. Owners can still export the audit trail for 30 days.</p>
        </div>
        <DeleteOrg org={props.org} />
      </div>

      <ConfirmDialog
        open={statusChange.target() !== undefined}
        title={dormant() ? `Wake ${props.org.name}?` : `Make ${props.org.name} dormant?`}
        description={
          dormant()
            ? "Invitations and self-registration links work again."
            : "Nobody new can join while it is dormant: invitations cannot be sent or accepted. Members and data are kept, and an owner can wake it again."
        }
        confirmLabel={dormant() ? "Wake" : "Make dormant"}
        pendingLabel="Saving…"
        danger={!dormant()}
        pending={statusChange.pending()}
        error={statusChange.error()}
        onClose={statusChange.close}
        onConfirm={() => void changeStatus()}
      />
    </section>
  );
}

/** The delete button and its dialog, where the owner types the slug. */
function DeleteOrg(props: { org: OrgView }) {
  const session = useSession();
  const navigate = useNavigate();
  const [open, setOpen] = createSignal(false);
  const [typed, setTyped] = createSignal("");
  const { pending, error, setError, run } = createAction();
  const matches = () => confirmsDeletion(props.org.slug, typed());

  const close = () => {
    setOpen(false);
    setTyped("");
    setError(undefined);
  };

  const remove = async (event: SubmitEvent) => {
    event.preventDefault();
    if (!matches() || pending()) return;
    await run(async () => {
      await deleteOrg(props.org.slug, typed());
      session.dropMembership(props.org.slug);
      close();
      toast(`${props.org.name} was deleted.`);
      navigate("/");
    });
  };

  return (
    <>
      <button type="button" class="button danger" onClick={() => setOpen(true)}>
        Delete organization
      </button>
      <Dialog
        open={open()}
        title={`Delete ${props.org.name}?`}
        role="alertdialog"
        description="This cannot be undone. Every member loses access at once, API keys are revoked and pending invitations are cancelled. Its address stays reserved."
        busy={pending()}
        onClose={close}
      >
        <form class="form" onSubmit={remove}>
          <TextField label={`Type ${props.org.slug} to confirm`} value={typed()} autocomplete="off" onInput={setTyped} disabled={pending()} />
          <FormEnd pending={pending()} error={error()} close={close} label="Delete this organization" pendingLabel="Deleting…" disabled={!matches()} danger />
        </form>
      </Dialog>
    </>
  );
}
