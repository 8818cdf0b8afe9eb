import { PublicLayout, setTitle } from "../components/Layouts.tsx";

/**
 * `/invitations/:token`, the link in every invitation mail. Placeholder: the invitee's page
 * of issue 21 (organization, inviter, role, expiry; accept and decline) goes here.
 */
export default function InvitationPage() {
  setTitle("Invitation");
  return (
    <PublicLayout>
      <h1>Your invitation</h1>
      <p class="muted">Answering invitations in the browser is not built yet.</p>
    </PublicLayout>
  );
}
