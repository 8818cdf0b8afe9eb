import { A, useLocation } from "@solidjs/router";
import { createSignal, onMount, Show } from "solid-js";
import { ApiError, describeError, post, retryText } from "../api.ts";
import { DevMailbox } from "../components/DevMailbox.tsx";
import { PublicLayout, setTitle } from "../components/Layouts.tsx";
import { useHealth } from "../stores/health.ts";
import { useSession } from "../stores/session.ts";
import { nextPath, returnPath } from "../storage.ts";

/**
 * `/signin`: asks for an email and mails a sign-in link; never says whether an account exists.
 *
 * `?next=/path` (a path on this site, else ignored), or the page this tab remembered, is where
 * the person goes once signed in: it travels in the mailed link, so it survives the link
 * being opened in another tab or on another device, and is remembered for this tab too.
 */
export default function SignInPage() {
  setTitle("Sign in");
  const session = useSession();
  const { devMailbox } = useHealth();
  const next = returnPath(new URLSearchParams(useLocation().search).get("next")) ?? nextPath.peek();
  if (next) nextPath.remember(next);
  const forInvitation = next?.startsWith("/invitations/") || next?.startsWith("/me/invitations/");
  const [email, setEmail] = createSignal("");
  const [sentTo, setSentTo] = createSignal<string>();
  const [pending, setPending] = createSignal(false);
  const [fieldError, setFieldError] = createSignal<string>();
  const [formError, setFormError] = createSignal<string>();
  let input: HTMLInputElement | undefined;
  onMount(() => input?.focus());

  const signedInAs = () => (session.me.state === "ready" ? session.me()?.user.email : undefined);

  const send = async (address: string) => {
    setPending(true);
    setFormError(undefined);
    try {
      // As session.requestLink, with where to return carried in the mailed link.
      await post("/api/v1/auth/magic-link", next ? { email: address, next } : { email: address });
      setSentTo(address);
    } catch (error) {
      if (error instanceof ApiError && error.code === "rate_limited") {
        setFormError(`Too many sign-in links were asked for. ${retryText(error.retryAfterSeconds)}`);
      } else if (error instanceof ApiError && error.code === "validation_failed") {
        setSentTo(undefined);
        setFieldError("Enter a valid email address, like ada@example.com.");
        input?.focus();
      } else {
        setFormError(describeError(error));
      }
    } finally {
      setPending(false);
    }
  };

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    const address = email().trim().toLowerCase();
    if (!address || !input?.validity.valid) {
      setFieldError(address ? "Enter a valid email address, like ada@example.com." : "Enter your email address.");
      input?.focus();
      return;
    }
    setFieldError(undefined);
    void send(address);
  };

  return (
    <PublicLayout>
      <Show when={signedInAs()}>
        {(address) => (
          <p class="banner info">
            You are signed in as <strong>{address()}</strong>.{" "}
            <A href={next ?? "/"}>{forInvitation ? "Continue to your invitation" : "Continue to your dashboard"}</A>
          </p>
        )}
      </Show>
      <div role="status" aria-live="polite">
        <Show when={sentTo()}>
          {(address) => (
            <div class="sent">
              <h1>Check your inbox</h1>
              <p>
                If <strong>{address()}</strong> can sign in to Roster, a sign-in link is on its way. It works once, within 15
                minutes.
              </p>
            </div>
          )}
        </Show>
      </div>
      <Show
        when={sentTo()}
        fallback={
          <>
            <h1>Sign in to Roster</h1>
            <p class="muted">We will email you a link that signs you in. No password needed.</p>
            <Show when={forInvitation}>
              <p class="banner info">Use the email address your invitation was sent to. The link brings you back to the invitation.</p>
            </Show>
            <form class="form" novalidate onSubmit={onSubmit}>
              <div class="field">
                <label for="signin-email">Email</label>
                <input
                  ref={input}
                  id="signin-email"
                  name="email"
                  type="email"
                  autocomplete="email"
                  inputmode="email"
                  required
                  maxlength={254}
                  value={email()}
                  onInput={(e) => {
                    setEmail(e.currentTarget.value);
                    setFieldError(undefined);
                  }}
                  aria-invalid={fieldError() ? true : undefined}
                  aria-describedby={fieldError() ? "signin-email-error" : undefined}
                />
                <Show when={fieldError()}>
                  <p id="signin-email-error" class="field-error">
                    {fieldError()}
                  </p>
                </Show>
              </div>
              <Show when={formError()}>
                <p class="banner error" role="alert">
                  {formError()}
                </p>
              </Show>
              <button type="submit" class="button primary" disabled={pending()}>
                {pending() ? "Sending…" : "Email me a sign-in link"}
              </button>
            </form>
          </>
        }
      >
        {(address) => (
          <>
            <Show when={formError()}>
              <p class="banner error" role="alert">
                {formError()}
              </p>
            </Show>
            <div class="actions">
              <button type="button" class="button secondary" disabled={pending()} onClick={() => void send(address())}>
                {pending() ? "Sending…" : "Send another link"}
              </button>
              <button
                type="button"
                class="button ghost"
                onClick={() => {
                  setSentTo(undefined);
                  setFormError(undefined);
                }}
              >
                Use a different email
              </button>
            </div>
            <Show when={devMailbox()}>
              <DevMailbox address={address()} />
            </Show>
          </>
        )}
      </Show>
    </PublicLayout>
  );
}
