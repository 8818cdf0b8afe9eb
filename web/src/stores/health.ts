import { createResource, createRoot, onCleanup } from "solid-js";
import { fetchHealth } from "../health.ts";

/** How often the health badge asks again. */
const pollMs = 10_000;

function createHealthStore() {
  const [health, { refetch }] = createResource(fetchHealth);
  const timer = setInterval(() => void refetch(), pollMs);
  onCleanup(() => clearInterval(timer));
  /** The last answer, kept while a new one loads; undefined before the first or after an error. */
  const latest = () => (health.state === "ready" || health.state === "refreshing" ? health() : undefined);
  return {
    health,
    latest,
    /** Whether sign-in mail goes to the local dev mailbox (never on a deployed Worker). */
    devMailbox: () => latest()?.localDev === true && latest()?.mail === "dev_mailbox",
  };
}

let store: { dispose: () => void; value: ReturnType<typeof createHealthStore> } | undefined;

/** The one health store (`GET /api/health`, polled), created on first use. */
export function useHealth(): ReturnType<typeof createHealthStore> {
  store ??= createRoot((dispose) => ({ dispose, value: createHealthStore() }));
  return store.value;
}

if (import.meta.hot) import.meta.hot.dispose(() => store?.dispose());
