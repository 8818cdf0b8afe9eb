import { A, useParams, useSearchParams } from "@solidjs/router";
import { createEffect, createResource, createSignal, createUniqueId, Match, Show, Switch } from "solid-js";
import type { LinkJoinView, LinkPreviewView, SignInPreviewView, UserView } from "../../../worker/views/index.ts";
import { api, ApiError, describeError, post } from "../api.ts";
import { PublicLayout, setTitle } from "../components/Layouts.tsx";
import { useSession } from "../stores/session.ts";

/** The clear page for each refusal of a link (the API's stable codes). */
const refusals: Record<string, { title: string; text: string }> = {
  link_invalid: {
    title: "This link no longer works",
    text: "It was regenerated or disabled by the organization, or it was never a valid link. Ask the organization for its current link.",
  },
  org_unavailable: { title: "This organization is not taking new members", text: "It is dormant or no longer exists." },
  seats_exhausted: { title: "No seats left", text: "This organization has no seat left on its plan. Ask its owners to make room, then try again." },
  domain_not_allowed: { title: "This address cannot join", text: "This organization only takes email addresses at its allowed domains." },
  login_link_invalid: { title: "This confirmation link is not valid", text: "It was already used, it expired, or it belongs to another link. Register again to get a new one." },
};

function Refusal(props: { error: unknown }) {
  const code = () => (props.error instanceof ApiError ? props.error.code : "");
  const known = () => refusals[code()];
  createEffect(() => setTitle(known()?.title ?? "Could not join"));
  return (
    <div role="alert" class="join-refusal" data-code={code()}>
      <h1>{known()?.title ?? "Could not join"}</h1>
      <p>{known()?.text ?? describeError(props.error)}</p>
      <p>
        <A href="/">Go to Roster</A>
      </p>
    </div>
  );
}

function Joined(props: { join: LinkJoinView }) {
  const already = () => props.join.status === "already_member";
  createEffect(() => setTitle(already() ? `Already a member of ${props.join.org.name}` : `You joined ${props.join.org.name}`));
  return (
    <div role="status" class="join-done">
      <h1>{already() ? `You are already a member of ${props.join.org.name}` : `Welcome to ${props.join.org.name}`}</h1>
      <p>
        {already()
          ? "Nothing changed: you keep your role, and no seat was taken."
          : `You joined as a restricted member (tag ${props.join.linkTag}). The organization's admins can give you more access.`}
      </p>
      <A class="button primary" href={`/orgs/${encodeURIComponent(props.join.org.slug)}`}>
        Open {props.join.org.name}
      </A>
    </div>
  );
}

/**
 * The confirmation of a mailed verification link (`?verify=`), which signs this browser in as
 * the address it was mailed to. Opening someone else's link must not quietly put a person in
 * that account (login CSRF: an attacker registers their own address and gets a victim to open
 * the link). So only the browser that registered (the server recognised its sign-in nonce
 * cookie: `requestedHere`) gets the plain "Join"; any other browser is told the link was asked
 * for elsewhere and to continue only if the person asked for it; and a browser signed in as
 * another account must choose explicitly to switch (a checkbox naming both accounts) before
 * the button works.
 */
function ConfirmVerify(props: {
  email: string;
  requestedHere: boolean;
  orgName: string;
  busy: boolean;
  error: string | undefined;
  signedInAs: string | undefined;
  onConfirm: () => void;
}) {
  const switchId = createUniqueId();
  const [switchChosen, setSwitchChosen] = createSignal(false);
  const other = () => (props.signedInAs !== undefined && props.signedInAs !== props.email ? props.signedInAs : undefined);
  const plain = () => props.requestedHere && !other();
  const label = () => (props.busy ? "Joining…" : other() ? `Switch to ${props.email} and join` : plain() ? `Join ${props.orgName}` : `Sign in as ${props.email} and join`);
  return (
    <>
      <h1>{plain() ? `Join ${props.orgName}` : `Join ${props.orgName} as ${props.email}?`}</h1>
      <Show
        when={plain()}
        fallback={
          <p>
            This link was asked for in another browser or on another device. Continue only if you asked for it yourself: it signs this
            browser in as <strong>{props.email}</strong> and makes that account a restricted member of <strong>{props.orgName}</strong>.
          </p>
        }
      >
        <p>
          Confirm to join <strong>{props.orgName}</strong> as a restricted member with <strong>{props.email}</strong>. This signs you in.
        </p>
      </Show>
      <Show when={other()}>
        {(current) => (
          <>
            <p class="banner info">
              You are signed in as <strong>{current()}</strong>; continuing switches this browser to {props.email}.
            </p>
            <div class="field checkbox">
              <input id={switchId} type="checkbox" checked={switchChosen()} onChange={(e) => setSwitchChosen(e.currentTarget.checked)} />
              <label for={switchId}>
                Switch this browser from {current()} to {props.email}
              </label>
            </div>
          </>
        )}
      </Show>
      <Show when={props.error}>
        <p class="banner error" role="alert">
          {props.error}
        </p>
      </Show>
      <div class="actions">
        <button type="button" class="button primary" disabled={props.busy || (other() !== undefined && !switchChosen())} onClick={() => props.onConfirm()}>
          {label()}
        </button>
        <Show when={!plain()}>
          <A href="/" class="button ghost">
            {other() ? `Stay signed in as ${other()}` : "Cancel"}
          </A>
        </Show>
      </div>
    </>
  );
}

/**
 * A self-registration link (`/join/<token>`): what it offers, then — after a confirming
 * button, never on a GET — the join. Signed in, "Join <org>"; signed out, the existing-user
 * link sends the person through sign-in and back here, and the new-user link asks for a name
 * and an email and mails a confirmation link, which lands here with `?verify=` and joins once
 * confirmed. Every refusal has its own page.
 */
export default function Join() {
  const params = useParams<{ token: string }>();
  const [search] = useSearchParams<{ verify?: string }>();
  const session = useSession();
  const token = () => params.token;
  const joinPath = () => `/api/v1/join/${encodeURIComponent(token())}`;
  const [preview] = createResource(token, (t) => api<LinkPreviewView>(`/api/v1/join/${encodeURIComponent(t)}`));
  const [verifyFor] = createResource(
    () => search.verify,
    (verify) => post<SignInPreviewView>("/api/v1/auth/session/preview", { token: verify }),
  );
  const [joined, setJoined] = createSignal<LinkJoinView>();
  const [refused, setRefused] = createSignal<unknown>();
  const [busy, setBusy] = createSignal(false);
  const [mailed, setMailed] = createSignal<string>();
  const [formError, setFormError] = createSignal<string>();
  const nameId = createUniqueId();
  const emailId = createUniqueId();

  const me = () => (session.me.state === "ready" || session.me.state === "refreshing" ? session.me() : undefined);
  const shown = () => (preview.state === "ready" ? preview() : undefined);
  const orgName = () => shown()?.org.name ?? "the organization";
  createEffect(() => {
    if (shown() && !joined() && !refused()) setTitle(`Join ${orgName()}`);
  });

  /** Runs a join request; a refusal with a known code gets its page, anything else a banner. */
  const attempt = async (run: () => Promise<LinkJoinView>) => {
    setBusy(true);
    setFormError(undefined);
    try {
      setJoined(await run());
      await session.refresh();
    } catch (error) {
      if (error instanceof ApiError && refusals[error.code]) setRefused(error);
      else setFormError(describeError(error));
    }
    setBusy(false);
  };

  const joinSignedIn = () => attempt(() => post<LinkJoinView>(joinPath()));
  const confirmVerify = () =>
    attempt(async () => (await post<{ user: UserView; join: LinkJoinView }>(`${joinPath()}/verify`, { token: search.verify })).join);

  const register = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const email = String(form.get("email") ?? "").trim();
    setBusy(true);
    setFormError(undefined);
    try {
      await post(`${joinPath()}/register`, { email, name: String(form.get("name") ?? "").trim() });
      setMailed(email);
    } catch (error) {
      if (error instanceof ApiError && refusals[error.code] && error.code !== "domain_not_allowed") setRefused(error);
      else setFormError(error instanceof ApiError && error.code === "validation_failed" ? "Enter your name and a valid email address." : describeError(error));
    }
    setBusy(false);
  };

  const signInHref = () => `/signin?next=${encodeURIComponent(`/join/${token()}`)}`;

  return (
    <PublicLayout>
      <section class="card narrow join-page">
        <Switch>
          <Match when={joined()}>{(join) => <Joined join={join()} />}</Match>
          <Match when={refused()}>{(error) => <Refusal error={error()} />}</Match>
          <Match when={preview.state === "errored"}>
            <Refusal error={preview.error} />
          </Match>
          <Match when={!shown()}>
            <p class="muted" role="status">
              Opening the link…
            </p>
          </Match>
          <Match when={search.verify}>
            <Show when={verifyFor.state !== "errored"} fallback={<Refusal error={verifyFor.error} />}>
              <Show
                when={verifyFor.state === "ready" && session.me.state !== "pending" && session.me.state !== "unresolved" ? verifyFor() : undefined}
                fallback={
                  <p class="muted" role="status">
                    Checking the confirmation link…
                  </p>
                }
              >
                {(v) => <ConfirmVerify email={v().email} requestedHere={v().requestedHere} orgName={orgName()} busy={busy()} error={formError()} signedInAs={me()?.user.email} onConfirm={() => void confirmVerify()} />}
              </Show>
            </Show>
          </Match>
          <Match when={session.me.state === "pending" || session.me.state === "unresolved"}>
            <p class="muted" role="status">
              Checking whether you are signed in…
            </p>
          </Match>
          <Match when={me()}>
            {(user) => (
              <>
                <h1>Join {orgName()}</h1>
                <p>
                  You are signed in as <strong>{user().user.email}</strong>. Joining makes you a restricted member of <strong>{orgName()}</strong>.
                </p>
                <Show when={formError()}>
                  <p class="banner error" role="alert">
                    {formError()}
                  </p>
                </Show>
                <button type="button" class="button primary" disabled={busy()} onClick={() => void joinSignedIn()}>
                  {busy() ? "Joining…" : `Join ${orgName()}`}
                </button>
              </>
            )}
          </Match>
          <Match when={mailed()}>
            <h1>Check your mail</h1>
            <p role="status">
              We sent a link to <strong>{mailed()}</strong>. Open it to confirm your address and join {orgName()}.
            </p>
          </Match>
          <Match when={shown()?.kind === "new"}>
            <h1>Join {orgName()}</h1>
            <p>Registering also makes you a restricted member of <strong>{orgName()}</strong>. We will mail you a link to confirm your address.</p>
            <form onSubmit={(e) => void register(e)}>
              <div class="field">
                <label for={nameId}>Name</label>
                <input id={nameId} name="name" autocomplete="name" required maxLength={100} />
              </div>
              <div class="field">
                <label for={emailId}>Email</label>
                <input id={emailId} name="email" type="email" autocomplete="email" required maxLength={254} />
              </div>
              <Show when={formError()}>
                <p class="banner error" role="alert">
                  {formError()}
                </p>
              </Show>
              <button type="submit" class="button primary" disabled={busy()}>
                {busy() ? "Sending…" : "Register and join"}
              </button>
            </form>
            <p class="sub">
              Already have an account? <A href={signInHref()}>Sign in to join</A>
            </p>
          </Match>
          <Match when={true}>
            <h1>Join {orgName()}</h1>
            <p>Sign in with your account first; you will come back here to join <strong>{orgName()}</strong>.</p>
            <A class="button primary" href={signInHref()}>
              Sign in to join
            </A>
          </Match>
        </Switch>
      </section>
    </PublicLayout>
  );
}
