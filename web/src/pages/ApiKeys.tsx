import { setTitle } from "../components/Layouts.tsx";

/** `/orgs/:slug/api-keys`. Placeholder: the organization's API keys: create with scopes, revoke, last use (issue 21). */
export default function ApiKeysPage() {
  setTitle("API keys");
  return (
    <section>
      <h1>API keys</h1>
      <p class="muted">This page is not built yet.</p>
    </section>
  );
}
