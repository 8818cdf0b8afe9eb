import { setTitle } from "../components/Layouts.tsx";

/** `/orgs/:slug/settings`. Placeholder: the organization's settings: name, seat limit, default invitation expiry, allowed email domains, dormant (issue 21). */
export default function OrgSettingsPage() {
  setTitle("Settings");
  return (
    <section>
      <h1>Settings</h1>
      <p class="muted">This page is not built yet.</p>
    </section>
  );
}
