import { setTitle } from "../components/Layouts.tsx";

/** `/orgs/:slug/audit`. Placeholder: who did what, when, with filters by actor, action and time (issue 21). */
export default function AuditPage() {
  setTitle("Audit trail");
  return (
    <section>
      <h1>Audit trail</h1>
      <p class="muted">This page is not built yet.</p>
    </section>
  );
}
