import { createSignal, Match, onMount, Switch } from "solid-js";
import { ApiError, describeError, retryText } from "../api.ts";
import { PublicLayout, setTitle } from "../components/Layouts.tsx";
import { Link, navigate, searchParams } from "../router.tsx";
import { useSession } from "../stores/session.ts";
import { nextPath } from "../storage.ts";

type Outcome = { kind: "working" } | { kind: "invalid" } | { kind: "failed"; message: string };

/** `/auth/callback?token=…`: trades the mailed token for a session, then goes on. */
export function CallbackPage() {
  setTitle("Signing in");
  const session = useSession();
  const [outcome, setOutcome] = createSignal<Outcome>({ kind: "working" });

  const exchange = async (token: string | null) => {
    if (!token) return setOutcome({ kind: "invalid" });
    setOutcome({ kind: "working" });
    try {
      await session.signIn(token);
      navigate(nextPath.take() ?? "/", { replace: true });
    } catch (error) {
      if (error instanceof ApiError && (error.code === "login_link_invalid" || error.code === "validation_failed")) {
        setOutcome({ kind: "invalid" });
      } else if (error instanceof ApiError && error.code === "rate_limited") {
        setOutcome({ kind: "failed", message: `Too many sign-in attempts. ${retryText(error.retryAfterSeconds)}` });
      } else {
        setOutcome({ kind: "failed", message: describeError(error) });
      }
    }
  };

  const failure = () => {
    const current = outcome();
    return current.kind === "failed" ? current.message : undefined;
  };

  // Read once: the token must be sent exactly once, whatever the URL does next.
  const token = searchParams().get("token");
  onMount(() => void exchange(token));

  return (
    <PublicLayout>
      <Switch>
        <Match when={outcome().kind === "working"}>
          <h1>Signing you in…</h1>
          <p class="muted" role="status">
            Checking your sign-in link.
          </p>
        </Match>
        <Match when={outcome().kind === "invalid"}>
          <div role="alert">
            <h1>This sign-in link no longer works</h1>
            <p>
              Sign-in links work once and expire 15 minutes after they are sent. This one has been used already, has expired,
              or was copied incompletely.
            </p>
          </div>
          <p>
            <Link href="/signin" class="button primary">
              Get a new sign-in link
            </Link>
          </p>
        </Match>
        <Match when={failure()}>
          <div role="alert">
            <h1>Could not sign you in</h1>
            <p>{failure()}</p>
          </div>
          <div class="actions">
            <button type="button" class="button primary" onClick={() => void exchange(token)}>
              Try again
            </button>
            <Link href="/signin" class="button ghost">
              Back to sign in
            </Link>
          </div>
        </Match>
      </Switch>
    </PublicLayout>
  );
}
