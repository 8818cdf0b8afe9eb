import type { JSX } from "solid-js";
import { HealthBadge } from "../HealthBadge.tsx";
import { Toasts } from "./Toasts.tsx";
import { A } from "@solidjs/router";

/** The frame of the pages seen before signing in: a centred card. */
export function PublicLayout(props: { children: JSX.Element }) {
  return (
    <div class="public">
      <a class="skip-link" href="#main">Skip to content</a>
      <header class="public-header">
        <A href="/" class="brand">Roster</A>
      </header>
      <main id="main" class="card narrow" tabindex="-1">
        {props.children}
      </main>
      <Toasts />
      <footer class="footer">
        <HealthBadge />
      </footer>
    </div>
  );
}

/** A page's title in the tab. */
export function setTitle(title: string): void {
  document.title = title ? `${title} · Roster` : "Roster";
}
