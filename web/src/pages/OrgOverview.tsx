import { A, useParams } from "@solidjs/router";
import { createEffect, Match, Show, Switch } from "solid-js";
import { ApiError, describeError } from "../api.ts";
import { setTitle } from "../components/Layouts.tsx";
import type { OrgWithSeatsView, Role } from "../../../worker/views/index.ts";
import { roleLabel } from "../model.ts";
import { createOrgResource } from "../stores/orgs.ts";
import { useSession } from "../stores/session.ts";
import { lastOrg } from "../storage.ts";

/** `/orgs/:slug`: the organization at a glance — who you are there and its seats. */
export default function OrgOverviewPage() {
  const params = useParams<{ slug: string }>();
  const slug = () => params.slug;
  const session = useSession();
  const org = createOrgResource(slug);

  createEffect(() => {
    const answer = org.current();
    if (answer?.data) {
      lastOrg.set(answer.slug);
      setTitle(answer.data.org.name);
    } else if (answer?.error) setTitle("Organization unavailable");
  });

  return (
    <Switch
      fallback={
        <p class="muted" role="status">
          Loading the organization…
        </p>
      }
    >
      <Match when={org.current()?.error}>
        {(error) => <OrgUnavailable slug={slug()} error={error()} retry={() => void org.refresh()} />}
      </Match>
      <Match when={org.current()?.data}>
        {(data) => <Overview data={data()} role={session.membership(slug())?.role} busy={org.loading()} />}
      </Match>
    </Switch>
  );
}

function Overview(props: { data: OrgWithSeatsView; role: Role | undefined; busy: boolean }) {
  const seats = () => props.data.seats;
  return (
    <div class="overview" aria-busy={props.busy}>
      <header class="page-head">
        <div>
          <p class="eyebrow">Organization</p>
          <h1>{props.data.org.name}</h1>
          <p class="muted">
            /orgs/{props.data.org.slug} · {props.data.org.plan} plan
            <Show when={props.data.org.status === "dormant"}>
              {" "}
              · <span class="tag warn">Dormant</span>
            </Show>
          </p>
        </div>
        <Show when={props.role}>
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
          <strong data-testid="seats-used">{seats().used}</strong> of <strong data-testid="seats-limit">{seats().limit}</strong>{" "}
          seats used
        </p>
        <meter
          class="seat-meter"
          min={0}
          max={Math.max(seats().limit, 1)}
          value={seats().used}
          high={Math.max(seats().limit, 1) * 0.8}
          optimum={0}
          aria-label="Seats used"
        />
        <dl class="stats">
          <div>
            <dt>Members</dt>
            <dd data-testid="seats-members">{seats().members}</dd>
          </div>
          <div>
            <dt>Pending invitations</dt>
            <dd data-testid="seats-pending">{seats().pending}</dd>
          </div>
          <div>
            <dt>Available</dt>
            <dd data-testid="seats-available">{seats().available}</dd>
          </div>
        </dl>
        <p class="hint">A pending invitation holds its seat until it is accepted, declined, revoked or expires.</p>
      </section>
    </div>
  );
}

function OrgUnavailable(props: { slug: string; error: unknown; retry: () => void }) {
  const missing = () => props.error instanceof ApiError && (props.error.status === 404 || props.error.status === 403);
  return (
    <section class="card narrow" role="alert">
      <Show
        when={missing()}
        fallback={
          <>
            <h1>Could not load this organization</h1>
            <p>{describeError(props.error)}</p>
            <button type="button" class="button primary" onClick={() => props.retry()}>
              Try again
            </button>
          </>
        }
      >
        <h1>No organization here</h1>
        <p>
          There is no organization at <code>/orgs/{props.slug}</code>, or you are not a member of it.
        </p>
        <A href="/" class="button primary">
          Go to your organizations
        </A>
      </Show>
    </section>
  );
}
