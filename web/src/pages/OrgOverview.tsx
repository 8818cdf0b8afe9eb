import { createEffect, Show } from "solid-js";
import { setTitle } from "../components/Layouts.tsx";
import { LeaveOrg } from "../lifecycle/LeaveOrg.tsx";
import { roleLabel } from "../model.ts";
import { useOrg } from "../stores/org-session.ts";

/** `/orgs/:slug`: the organization at a glance — who you are there and its seats, live — and the way out (leave). */
export default function OrgOverviewPage() {
  const org = useOrg();
  createEffect(() => setTitle(org.state.org?.name ?? ""));

  return (
    <Show when={org.state.org && org.state.seats ? { org: org.state.org, seats: org.state.seats } : undefined}>
      {(shown) => (
        <div class="overview">
          <header class="page-head">
            <div>
              <p class="eyebrow">Organization</p>
              <h1>{shown().org.name}</h1>
              <p class="muted">
                /orgs/{shown().org.slug} · {shown().org.plan} plan
                <Show when={shown().org.status === "dormant"}>
                  {" "}
                  · <span class="tag warn">Dormant</span>
                </Show>
              </p>
            </div>
            <Show when={org.viewer()?.role}>
              {(role) => (
                <p class="role" data-testid="role">
                  Your role: <span class="tag">{roleLabel[role()]}</span>
                </p>
              )}
            </Show>
          </header>

          <section class="card seats" aria-labelledby="seats-title" data-testid="seats">
            <h2 id="seats-title">Seats</h2>
            <p class="seat-summary">
              <strong data-testid="seats-used">{shown().seats.used}</strong> of{" "}
              <strong data-testid="seats-limit">{shown().seats.limit}</strong> seats used
            </p>
            <meter
              class="seat-meter"
              min={0}
              max={Math.max(shown().seats.limit, 1)}
              value={shown().seats.used}
              high={Math.max(shown().seats.limit, 1) * 0.8}
              optimum={0}
              aria-label="Seats used"
            />
            <dl class="stats">
              <div>
                <dt>Members</dt>
                <dd data-testid="seats-members">{shown().seats.members}</dd>
              </div>
              <div>
                <dt>Pending invitations</dt>
                <dd data-testid="seats-pending">{shown().seats.pending}</dd>
              </div>
              <div>
                <dt>Available</dt>
                <dd data-testid="seats-available">{shown().seats.available}</dd>
              </div>
            </dl>
            <p class="hint">A pending invitation holds its seat until it is accepted, declined, revoked or expires.</p>
          </section>

          <LeaveOrg slug={shown().org.slug} name={shown().org.name} />
        </div>
      )}
    </Show>
  );
}
