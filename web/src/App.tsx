import { ErrorBoundary } from "solid-js";
import { PublicLayout } from "./components/Layouts.tsx";
import { CallbackPage } from "./pages/Callback.tsx";
import { HomePage } from "./pages/Home.tsx";
import { NewOrgPage } from "./pages/NewOrg.tsx";
import { NotFoundPage } from "./pages/NotFound.tsx";
import { OrgOverviewPage } from "./pages/OrgOverview.tsx";
import { SignInPage } from "./pages/SignIn.tsx";
import { Router, type Route } from "./router.tsx";

/** Every page of the dashboard, first match wins. */
const routes: Route[] = [
  { path: "/", component: HomePage },
  { path: "/signin", component: SignInPage },
  { path: "/auth/callback", component: CallbackPage },
  { path: "/orgs/new", component: NewOrgPage },
  { path: "/orgs/:slug", component: OrgOverviewPage },
];

/** The dashboard. */
export function App() {
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
      <Router routes={routes} fallback={NotFoundPage} />
    </ErrorBoundary>
  );
}
