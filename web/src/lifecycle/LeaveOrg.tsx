import { useNavigate } from "@solidjs/router";
import { createConfirmation } from "../components/action.ts";
import { ConfirmDialog } from "../components/Dialog.tsx";
import { useSession } from "../stores/session.ts";
import { toast } from "../toast.ts";
import { leaveOrg } from "./lifecycle.ts";

/**
 * "Leave organization", for every member: asks first, then leaves and goes home. The last
 * owner is told why they cannot (the API's `last_owner`), inside the dialog.
 */
export function LeaveOrg(props: { slug: string; name: string }) {
  const session = useSession();
  const navigate = useNavigate();
  const leaving = createConfirmation<true>();

  const leave = () =>
    leaving.confirm(async () => {
      await leaveOrg(props.slug);
      session.dropMembership(props.slug);
      leaving.close();
      toast(`You left ${props.name}.`);
      navigate("/");
    });

  return (
    <section class="card danger-zone" aria-labelledby="leave-title">
      <h2 id="leave-title">Leave this organization</h2>
      <p class="hint">You lose access at once; to come back, you need a new invitation.</p>
      <div class="actions">
        <button type="button" class="button danger-outline" onClick={() => leaving.ask(true)}>
          Leave organization
        </button>
      </div>
      <ConfirmDialog
        open={leaving.target() !== undefined}
        title={`Leave ${props.name}?`}
        description="You lose access to its members, invitations and live updates at once. Your API keys here stop working."
        confirmLabel="Leave"
        pendingLabel="Leaving…"
        danger
        pending={leaving.pending()}
        error={leaving.error()}
        onClose={leaving.close}
        onConfirm={() => void leave()}
      />
    </section>
  );
}
