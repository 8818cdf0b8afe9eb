import { A, useLocation, useNavigate } from "@solidjs/router";
import { createSignal, Match, onMount, Show, Switch } from "solid-js";
import { ApiError, describeError, retryText } from "../api.ts";
import { PublicLayout, setTitle } from "../components/Layouts.tsx";
import { useSession } from "../stores/session.ts";
import { nextPath, returnPath } from "../storage.ts";

type Outcome =
  | { kind: "working" }
  | { kind: "confirm"; email: string }
  | { kind: "invalid" }
  | { kind: "failed"; message: string; retry: () => void };

/**
 * `/auth/callback?token=…`: trades the mailed token for a session, then goes on.
 *
 * Opening a link must never sign someone in behind their back: an attacker could mail
 * themselves a link and get a victim to open it, and the victim would be working in the
 * attacker's account (login CSRF). So the page signs in without asking only in the browser
 * that asked for the link (the server checks its nonce cookie: `sameBrowser`). Anywhere
 * else, e.g. the phone's mail app, it first asks "Sign in as ⟨email⟩?" and signs in only
 * when the person confirms that account.
 *
 * Then it goes to the link's `next` (a path on this site; anything else is ignored), else
 * the page this tab remembered before sending the person to sign in, else `/`.
 */
export default function CallbackPage() {
  setTitle("Signing in");
  const session = useSession();
  const navigate = useNavigate();
  const [outcome, setOutcome] = createSignal<Outcome>({ kind: "working" });
  // Read once: the token must be sent exactly once, whatever the URL does next.
  const params = new URLSearchParams(useLocation().search);
  const token = params.get("token");
  const next = returnPath(params.get("next"));
  const signInPage = next ? `/signin?next=${encodeURIComponent(next)}` : "/signin";

  const fail = (error: unknown, retry: () => void) => {
    if (error instanceof ApiError && (error.code === "login_link_invalid" || error.code === "validation_failed")) {
      setOutcome({ kind: "invalid" });
    } else if (error instanceof ApiError && error.code === "rate_limited") {
      setOutcome({ kind: "failed", message: `Too many sign-in attempts. ${retryText(error.retryAfterSeconds)}`, retry });
    } else {
      setOutcome({ kind: "failed", message: describeError(error), retry });
    }
  };

  const exchange = async (link: string, email: string, sameBrowser: boolean) => {
    setOutcome({ kind: "working" });
    try {
      await session.signIn(link, { sameBrowser });
      const remembered = nextPath.take();
      navigate(next ?? remembered ?? "/", { replace: true });
    } catch (error) {
      if (error instanceof ApiError && error.details?.reason === "confirmation_required") {
        setTitle("Confirm sign-in");
        setOutcome({ kind: "confirm", email });
      } else {
        fail(error, () => void exchange(link, email, sameBrowser));
      }
    }
  };

  const start = async () => {
    if (!token) return setOutcome({ kind: "invalid" });
    setOutcome({ kind: "working" });
    try {
      const preview = await session.previewLink(token);
      if (preview.requestedHere) return await exchange(token, preview.email, true);
      setTitle("Confirm sign-in");
      setOutcome({ kind: "confirm", email: preview.email });
    } catch (error) {
      fail(error, () => void start());
    }
  };
  onMount(() => void start());

  const confirming = () => {
    const current = outcome();
    return current.kind === "confirm" ? current.email : undefined;
  };
  const failure = () => {
    const current = outcome();
    return current.kind === "failed" ? current : undefined;
  };
  const signedInAs = () => (session.me.state === "ready" ? session.me()?.user.email : undefined);

  return (
    <PublicLayout>
      <Switch>
        <Match when={outcome().kind === "working"}>
          <h1>Signing you in…</h1>
          <p class="muted" role="status">
            Checking your sign-in link.
          </p>
        </Match>
        <Match when={confirming()}>
          {(email) => (
            <>
              <h1>Sign in as {email()}?</h1>
              <p>
                This link was asked for in another browser or on another device. Continue only if you asked for it
                yourself: it opens the account <strong>{email()}</strong> in this browser.
              </p>
              <Show when={signedInAs() && signedInAs() !== email() ? signedInAs() : undefined}>
                {(current) => (
                  <p class="banner info">
                    You are signed in as <strong>{current()}</strong>; continuing switches this browser to {email()}.
                  </p>
                )}
              </Show>
              <div class="actions">
                <button type="button" class="button primary" onClick={() => token && void exchange(token, email(), false)}>
                  Sign in as {email()}
                </button>
                <A href={signedInAs() ? "/" : signInPage} class="button ghost">
                  Cancel
                </A>
              </div>
            </>
          )}
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
            <A href={signInPage} class="button primary">
              Get a new sign-in link
            </A>
          </p>
        </Match>
        <Match when={failure()}>
          {(failed) => (
            <>
              <div role="alert">
                <h1>Could not sign you in</h1>
                <p>{failed().message}</p>
              </div>
              <div class="actions">
                <button type="button" class="button primary" onClick={() => failed().retry()}>
                  Try again
                </button>
                <A href={signInPage} class="button ghost">
                  Back to sign in
                </A>
              </div>
            </>
          )}
        </Match>
      </Switch>
    </PublicLayout>
  );
}
