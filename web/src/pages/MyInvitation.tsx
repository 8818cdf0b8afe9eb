import { useParams } from "@solidjs/router";
import { Show } from "solid-js";
import { invitationById } from "../stores/invitee.ts";
import { InvitationScreen } from "./Invitation.tsx";

/**
 * `/me/invitations/:id`: one of the signed-in user's invitations, as the inbox and its
 * notifications link to it (they know its id; only the mail holds its link's token).
 */
export default function MyInvitationPage() {
  const params = useParams<{ id: string }>();
  return (
    <Show when={params.id} keyed>
      {(id) => <InvitationScreen source={invitationById(id)} byId />}
    </Show>
  );
}
