import { A, useParams } from "@solidjs/router";
import { setTitle } from "../components/Layouts.tsx";

/** Which tab of the members page: its own URL each (`/members`, `/invitations`). */
export type MembersTab = "users" | "invitations";

/**
 * `/orgs/:slug/members` (Users tab) and `/orgs/:slug/invitations` (Invites tab).
 * Placeholder: the members page of issue 21 goes here.
 */
export default function MembersPage(props: { tab: MembersTab }) {
  const params = useParams<{ slug: string }>();
  setTitle(props.tab === "users" ? "Members" : "Invitations");
  const base = () => `/orgs/${params.slug}`;
  return (
    <section>
      <h1>Members</h1>
      <nav class="tabs" aria-label="Members and invitations">
        <A href={`${base()}/members`} end>
          Users
        </A>
        <A href={`${base()}/invitations`} end>
          Invites
        </A>
      </nav>
      <p class="muted">{props.tab === "users" ? "The organization's members will be listed here." : "Invitations will be listed here."}</p>
    </section>
  );
}
