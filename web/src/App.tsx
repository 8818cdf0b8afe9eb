import { HealthBadge } from "./HealthBadge.tsx";

/** The dashboard shell. */
export function App() {
  return (
    <main class="shell">
      <header>
        <h1>Roster</h1>
        <p class="tagline">Members, invitations and exact seats — live.</p>
      </header>
      <HealthBadge />
    </main>
  );
}
