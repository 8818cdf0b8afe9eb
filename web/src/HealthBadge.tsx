import { Match, Switch } from "solid-js";
import { ApiError } from "./api.ts";
import { useHealth } from "./stores/health.ts";

const mailLabel = { resend: "Resend", dev_mailbox: "dev mailbox", not_configured: "not configured" } as const;

/** Shows whether the API and its database are up; polls every 10 s. */
export function HealthBadge() {
  const { health, latest } = useHealth();

  return (
    <p class="health" role="status" data-testid="health">
      <Switch fallback={<><span class="dot pending" /> Checking the API…</>}>
        <Match when={health.error}>
          <span class="dot down" /> API unavailable:{" "}
          {health.error instanceof ApiError ? `${health.error.code}` : "no answer"}
        </Match>
        <Match when={latest()}>
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
