import { useSearchParams } from "@solidjs/router";
import { createMemo, For, Match, Show, Switch } from "solid-js";
import type { AuditPageView } from "../../../worker/views/index.ts";
import { LoadError } from "../components/LoadError.tsx";
import { AuditFiltersForm } from "../components/AuditFilters.tsx";
import { setTitle } from "../components/Layouts.tsx";
import { RelativeTime } from "../components/RelativeTime.tsx";
import { auditExportUrl, createAuditTrail, rangeProblem, type AuditFilters } from "../org-admin/audit.ts";
import { actionSentence, actorLabel, detailLines, targetLabel } from "../org-admin/audit-view.ts";
import { useOrg } from "../stores/org-session.ts";
import "../org-admin/org-admin.css";

type FilterParams = Record<keyof AuditFilters, string>;

/**
 * `/orgs/:slug/audit` (admins and owners): who did what and when, newest first, a page at a
 * time. The filters live in the URL, so a filtered view can be reloaded, shared and gone back to.
 */
export default function AuditPage() {
  setTitle("Audit trail");
  const org = useOrg();
  const [params, setParams] = useSearchParams<FilterParams>();
  const filters = createMemo(
    (): AuditFilters => ({ actor: params.actor ?? "", action: params.action ?? "", target: params.target ?? "", from: params.from ?? "", to: params.to ?? "" }),
    undefined,
    { equals: (a, b) => JSON.stringify(a) === JSON.stringify(b) },
  );
  const trail = createAuditTrail(() => org.slug, filters);
  const filtered = () => Object.values(filters()).some(Boolean);
  const apply = (change: Partial<AuditFilters>) => {
    const next = { ...filters(), ...change };
    setParams({ actor: next.actor || null, action: next.action || null, target: next.target || null, from: next.from || null, to: next.to || null });
  };
  const page = () => (trail.page.state === "ready" || trail.page.state === "refreshing" ? trail.page() : undefined);

  return (
    <div class="admin-page">
      <header class="section-head">
        <div>
          <h1>Audit trail</h1>
          <p class="muted">Every change to members, invitations, API keys and settings, with who made it and when. It cannot be edited.</p>
        </div>
      </header>

      <AuditFiltersForm filters={filters()} names={page()?.names ?? {}} rangeError={rangeProblem(filters())} onApply={apply} />

      <section class="card" aria-labelledby="events-title">
        <div class="section-head">
          <h2 id="events-title">Events</h2>
          <div class="actions">
            <Show when={!rangeProblem(filters())}>
              {/* Plain links: the session cookie authorises the GET, the answer is an attachment. */}
              <a class="button secondary small" href={auditExportUrl(org.slug, filters(), "csv")} download="">
                Export CSV
              </a>
              <a class="button secondary small" href={auditExportUrl(org.slug, filters(), "json")} download="">
                Export JSON
              </a>
            </Show>
            <button type="button" class="button ghost small" disabled={trail.page.loading} onClick={() => void trail.refresh()}>
              {trail.page.loading ? "Loading…" : "Refresh"}
            </button>
          </div>
        </div>
        <Switch fallback={<p role="status">Loading the audit trail…</p>}>
          <Match when={rangeProblem(filters())}>
            <p class="muted">Fix the dates above to see events.</p>
          </Match>
          <Match when={trail.page.error}>
            <LoadError what="audit trail" error={trail.page.error} retry={() => void trail.refresh()} />
          </Match>
          <Match when={page()?.events.length === 0}>
            <div class="empty" role="status">
              <Show when={filtered()} fallback={<p>No events yet.</p>}>
                <p>No events match these filters.</p>
                <button type="button" class="button secondary small" onClick={() => apply({ actor: "", action: "", target: "", from: "", to: "" })}>
                  Clear filters
                </button>
              </Show>
            </div>
          </Match>
          <Match when={page()}>{(shown) => <EventsTable page={shown()} viewerId={org.viewer()?.userId} target={filters().target} onTarget={(target) => apply({ target })} />}</Match>
        </Switch>
        <Show when={page() && (trail.index() > 0 || page()?.nextCursor)}>
          <nav class="actions" aria-label="Audit trail pages">
            <button type="button" class="button secondary small" disabled={trail.index() === 0 || trail.page.loading} onClick={() => trail.newer()}>
              Newer
            </button>
            <span class="muted" role="status">
              Page {trail.index() + 1}
            </span>
            <button type="button" class="button secondary small" disabled={!page()?.nextCursor || trail.page.loading} onClick={() => trail.older()}>
              Older
            </button>
          </nav>
        </Show>
      </section>
    </div>
  );
}

function EventsTable(props: { page: AuditPageView; viewerId: string | undefined; target: string; onTarget: (target: string) => void }) {
  return (
    <div class="table-wrap">
      <table class="data-table" aria-labelledby="events-title">
        <thead>
          <tr>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Time</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          <For each={props.page.events}>
            {(event) => {
              const actor = actorLabel(event, props.page.names, props.viewerId);
              const lines = detailLines(event, props.page.names);
              return (
                <tr>
                  <td data-label="Actor">
                    <strong>{actor.name}</strong>
                    <Show when={actor.detail}>
                      <br />
                      <span class="muted">{actor.detail}</span>
                    </Show>
                  </td>
                  <td data-label="Action">
                    <span>{actionSentence(event.action)}</span>
                    <br />
                    <code class="muted">{event.action}</code>
                  </td>
                  <td data-label="Target">
                    {targetLabel(event, props.page.names)}
                    <Show when={event.targetId && event.targetId !== props.target}>
                      <br />
                      <button
                        type="button"
                        class="button ghost small"
                        aria-label={`Only the history of ${targetLabel(event, props.page.names)}`}
                        onClick={() => props.onTarget(event.targetId ?? "")}
                      >
                        History
                      </button>
                    </Show>
                  </td>
                  <td data-label="Time" class="num">
                    <RelativeTime at={event.at} />
                  </td>
                  <td data-label="Details">
                    <Show when={lines.length} fallback={<span class="muted">—</span>}>
                      <ul class="plain-list details-list">
                        <For each={lines}>{(line) => <li>{line}</li>}</For>
                      </ul>
                    </Show>
                  </td>
                </tr>
              );
            }}
          </For>
        </tbody>
      </table>
    </div>
  );
}
