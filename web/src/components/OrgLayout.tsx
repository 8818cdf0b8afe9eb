import { A, useLocation, useParams, type RouteSectionProps } from "@solidjs/router";
import { createEffect, For, Match, Show, Switch, type JSX } from "solid-js";
import type { Permission } from "../../../worker/domain/roles.ts";
import { ApiError, describeError } from "../api.ts";
import { liveCloseCodes } from "../live/messages.ts";
import { roleLabel } from "../model.ts";
import { createOrgSession, OrgProvider, type OrgSession } from "../stores/org-session.ts";
import { lastOrg } from "../storage.ts";
import { setTitle } from "./Layouts.tsx";
import { LiveIndicator } from "./LiveIndicator.tsx";
import { SeatsMeter } from "./SeatsMeter.tsx";
import { Shell } from "./Shell.tsx";

/**
 * The organization's pages, as its tabs show them, with the permission each needs
 * (worker/domain/roles.ts): a tab shows only to roles that hold it, and its page answers
 * "not available" to the others. Paths are below `/orgs/:slug`.
 */
export const orgTabs: ReadonlyArray<{ path: string; label: string; permission: Permission }> = [
  { path: "", label: "Overview", permission: "org:read" },
  { path: "/members", label: "Members", permission: "members:read" },
  { path: "/projects", label: "Projects", permission: "projects:read" },
  { path: "/invitations", label: "Invitations", permission: "invitations:read" },
  // Admins read the settings (the expiry and domains their invitations follow); owners change them.
  { path: "/settings", label: "Settings", permission: "invitations:write" },
  { path: "/api-keys", label: "API keys", permission: "api_keys:manage" },
  { path: "/audit", label: "Audit", permission: "audit:read" },
];

/**
 * The frame of every `/orgs/:slug/…` page: the signed-in shell (with the organization
 * switcher), then the organization's bar — its name, the seats meter, whether the page is
 * live, and the tabs its viewer's role may see. It opens the organization's session (state,
 * stores, live channel) once per slug and hands it to the pages through `useOrg()`.
 */
export default function OrgLayout(props: RouteSectionProps) {
  const params = useParams<{ slug: string }>();
  return (
    <Shell currentOrg={params.slug}>
      <Show when={params.slug} keyed>
        {(slug) => <OrgFrame slug={slug}>{props.children}</OrgFrame>}
      </Show>
    </Shell>
  );
}

function OrgFrame(props: { slug: string; children: JSX.Element }) {
  const org = createOrgSession(props.slug);
  const location = useLocation();
  const base = `/orgs/${encodeURIComponent(props.slug)}`;
  /** The tab of the page on screen. */
  const tab = () => {
    const rest = location.pathname.slice(base.length).replace(/\/$/, "");
    return orgTabs.find((t) => t.path === rest);
  };
  const removed = () => org.viewer()?.removed === true || org.ended()?.code === liveCloseCodes.removed;
  /** The live channel said the organization was deleted (4410). */
  const deleted = () => org.ended()?.code === liveCloseCodes.deleted;

  createEffect(() => {
    if (org.state.org) lastOrg.set(props.slug);
  });

  return (
    <OrgProvider value={org}>
      <Switch
        fallback={
          <p class="muted" role="status">
            Loading the organization…
          </p>
        }
      >
        <Match when={removed()}>
          <Removed name={org.state.org?.name ?? props.slug} deleted={deleted()} />
        </Match>
        <Match when={org.org.error()}>{(error) => <OrgUnavailable slug={props.slug} error={error()} retry={() => void org.org.refresh()} />}</Match>
        <Match when={org.state.org && org.state.seats ? { name: org.state.org.name, seats: org.state.seats } : undefined}>
          {(shown) => (
            <>
              <div class="org-bar">
                <div class="org-bar-row">
                  <A href={base} class="org-name" end>
                    {shown().name}
                  </A>
                  <SeatsMeter seats={shown().seats} />
                  <LiveIndicator status={org.live.status()} />
                </div>
                <nav class="tabs" aria-label="Organization pages">
                  <For each={orgTabs.filter((t) => org.can(t.permission))}>
                    {(t) => (
                      <A href={base + t.path} end>
                        {t.label}
                      </A>
                    )}
                  </For>
                </nav>
              </div>
              <Show when={allowed(org, tab()?.permission)} fallback={<NotAllowed org={org} label={tab()?.label ?? "this page"} />}>
                {props.children}
              </Show>
            </>
          )}
        </Match>
      </Switch>
    </OrgProvider>
  );
}

/** Whether the viewer may see a page needing `permission` (unknown pages are theirs to answer). */
function allowed(org: OrgSession, permission: Permission | undefined): boolean {
  return permission === undefined || org.can(permission);
}

function NotAllowed(props: { org: OrgSession; label: string }) {
  setTitle("Not available");
  const role = () => props.org.viewer()?.role;
  return (
    <section class="card narrow" role="alert">
      <h1>Not available to your role</h1>
      <p>
        <Show when={role()} fallback={<>Your role here does not include {props.label}.</>}>
          {(current) => (
            <>
              As {article(roleLabel[current()])} {roleLabel[current()].toLowerCase()}, you cannot see {props.label}. An owner can change your role.
            </>
          )}
        </Show>
      </p>
    </section>
  );
}

const article = (word: string) => (/^[aeiou]/i.test(word) ? "an" : "a");

function Removed(props: { name: string; deleted?: boolean }) {
  setTitle(props.deleted ? "Organization deleted" : "No longer a member");
  return (
    <section class="card narrow" role="alert">
      <h1>{props.deleted ? `${props.name} was deleted` : `You are no longer a member of ${props.name}`}</h1>
      <p>
        {props.deleted
          ? "An owner deleted this organization, so its pages are closed to everyone now."
          : "An owner or admin removed you from this organization, so its pages are closed to you now."}
      </p>
      <A href="/" class="button primary">
        Go to your organizations
      </A>
    </section>
  );
}

function OrgUnavailable(props: { slug: string; error: unknown; retry: () => void }) {
  const missing = () => props.error instanceof ApiError && (props.error.status === 404 || props.error.status === 403);
  const gone = () => props.error instanceof ApiError && props.error.code === "org_unavailable";
  createEffect(() => setTitle(missing() || gone() ? "Organization unavailable" : "Could not load"));
  return (
    <section class="card narrow" role="alert">
      <Show
        when={missing() || gone()}
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
        <h1>{gone() ? "This organization was deleted" : "No organization here"}</h1>
        <p>
          {gone() ? (
            <>
              The organization at <code>/orgs/{props.slug}</code> was deleted; its pages are closed.
            </>
          ) : (
            <>
              There is no organization at <code>/orgs/{props.slug}</code>, or you are not a member of it.
            </>
          )}
        </p>
        <A href="/" class="button primary">
          Go to your organizations
        </A>
      </Show>
    </section>
  );
}
