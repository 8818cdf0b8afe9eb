import { createResource, Match, Switch } from "solid-js";
import { ApiError } from "./api.ts";
import { fetchHealth } from "./health.ts";

const mailLabel = { resend: "Resend", dev_mailbox: "dev mailbox", not_configured: "not configured" } as const;

/** Shows whether the API and its database are up; polls every 10 s. */
export function HealthBadge() {
  const [health, { refetch }] = createResource(fetchHealth);
  const timer = setInterval(() => void refetch(), 10_000);
  if (import.meta.hot) import.meta.hot.dispose(() => clearInterval(timer));

  return (
    <p class="health" role="status" data-testid="health">
      <Switch fallback={<span class="dot pending" />}>
        <Match when={health.error}>
          <span class="dot down" /> API unavailable:{" "}
          {health.error instanceof ApiError ? `${health.error.code}` : "no answer"}
        </Match>
        <Match when={health()}>
          {(h) => (
            <>
              <span class="dot up" /> API healthy · database reachable ({h().database.latencyMs} ms) · mail:{" "}
              {mailLabel[h().mail]}
            </>
          )}
        </Match>
      </Switch>
    </p>
  );
}
