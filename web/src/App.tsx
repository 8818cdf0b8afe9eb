import { Router, type RouteDefinition, type RouteSectionProps } from "@solidjs/router";
import { ErrorBoundary, lazy } from "solid-js";
import { PublicLayout } from "./components/Layouts.tsx";

const Members = lazy(() => import("./pages/Members.tsx"));

/**
 * Every page of the dashboard. Each page is its own chunk, loaded on first visit (and on
 * hovering a link to it), so the first load carries only the router and the frame.
 * Static segments win over parameters (`/orgs/new` before `/orgs/:slug`); a page file
 * default-exports its component. The organization's pages share `OrgLayout` (header, tabs,
 * seats meter, live connection): it stays mounted while only the page inside changes.
 *
 * The members page has two tabs, each its own URL so that Back and links work:
 * `/orgs/:slug/members` (Users) and `/orgs/:slug/invitations` (Invites).
 */
export const routes: RouteDefinition[] = [
  { path: "/", component: lazy(() => import("./pages/Home.tsx")) },
  { path: "/signin", component: lazy(() => import("./pages/SignIn.tsx")) },
  { path: "/auth/callback", component: lazy(() => import("./pages/Callback.tsx")) },
  { path: "/orgs/new", component: lazy(() => import("./pages/NewOrg.tsx")) },
  {
    path: "/orgs/:slug",
    component: lazy(() => import("./components/OrgLayout.tsx")),
    children: [
      { path: "/", component: lazy(() => import("./pages/OrgOverview.tsx")) },
      { path: "/members", component: () => <Members tab="users" /> },
      { path: "/invitations", component: () => <Members tab="invitations" /> },
      { path: "/settings", component: lazy(() => import("./pages/OrgSettings.tsx")) },
      { path: "/api-keys", component: lazy(() => import("./pages/ApiKeys.tsx")) },
      { path: "/audit", component: lazy(() => import("./pages/Audit.tsx")) },
      { path: "/projects", component: lazy(() => import("./pages/Projects.tsx")) },
    ],
  },
  { path: "/invitations/:token", component: lazy(() => import("./pages/Invitation.tsx")) },
  { path: "/join/:token", component: lazy(() => import("./pages/Join.tsx")) },
  { path: "/me/invitations/:id", component: lazy(() => import("./pages/MyInvitation.tsx")) },
  { path: "/dev/mailbox", component: lazy(() => import("./pages/DevMailbox.tsx")) },
  { path: "*404", component: lazy(() => import("./pages/NotFound.tsx")) },
];

/** What every page renders inside: a page that throws shows this instead of a blank screen. */
function Root(props: RouteSectionProps) {
  return (
    <ErrorBoundary
      fallback={(error: unknown, reset) => (
        <PublicLayout>
          <div role="alert">
            <h1>Something went wrong</h1>
            <p>{error instanceof Error ? error.message : String(error)}</p>
          </div>
          <button type="button" class="button primary" onClick={reset}>
            Try again
          </button>
        </PublicLayout>
      )}
    >
      {props.children}
    </ErrorBoundary>
  );
}

/** The dashboard. */
export function App() {
  return <Router root={Root}>{routes}</Router>;
}
