import { A } from "@solidjs/router";
import { createResource, createSignal, For, Match, onCleanup, Show, Switch } from "solid-js";
import type { DevMailboxView, DevMailView } from "../../../worker/views/index.ts";
import { api, ApiError, describeError } from "../api.ts";
import { PublicLayout, setTitle } from "../components/Layouts.tsx";
import { RelativeTime } from "../components/RelativeTime.tsx";
import "../org-admin/org-admin.css";

/** How often the page looks for new mail while it is visible. */
const pollMs = 5000;
const typingMs = 300;

/**
 * `/dev/mailbox`: every mail a local Roster sent, newest first, with its links clickable, so
 * signing in and accepting invitations needs no real inbox. The API has a dev mailbox only
 * in local development; anywhere else it answers 404 and the page says so.
 */
export default function DevMailboxPage() {
  setTitle("Dev mailbox");
  const [address, setAddress] = createSignal("");
  const [typed, setTyped] = createSignal("");
  const [mail, { refetch }] = createResource(address, async (to) => {
    const query = new URLSearchParams({ limit: "50" });
    if (to.trim()) query.set("to", to.trim());
    return (await api<DevMailboxView>(`/api/v1/dev/mailbox?${query}`)).messages;
  });
  const missing = () => mail.error instanceof ApiError && mail.error.status === 404;
  const messages = () => (mail.state === "ready" || mail.state === "refreshing" ? mail() : undefined);

  const poll = setInterval(() => {
    if (document.visibilityState === "visible" && !mail.loading && !missing()) void refetch();
  }, pollMs);
  let typing: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => {
    clearInterval(poll);
    clearTimeout(typing);
  });

  return (
    <PublicLayout>
      <div class="mailbox-page">
        <h1>Dev mailbox</h1>
        <Show when={!missing()}>
          <p class="muted">Local development: mail is kept here instead of being sent. New mail appears every few seconds.</p>
          <form
            class="inline-add"
            role="search"
            aria-label="Filter the dev mailbox"
            onSubmit={(e) => {
              e.preventDefault();
              clearTimeout(typing);
              setAddress(typed());
            }}
          >
            <label for="mailbox-to" class="visually-hidden">
              Recipient
            </label>
            <input
              id="mailbox-to"
              type="search"
              placeholder="Only mail to… (an email address)"
              autocomplete="off"
              value={typed()}
              onInput={(e) => {
                const value = e.currentTarget.value;
                setTyped(value);
                clearTimeout(typing);
                typing = setTimeout(() => setAddress(value), typingMs);
              }}
            />
            <button type="button" class="button secondary" disabled={mail.loading} onClick={() => void refetch()}>
              Refresh
            </button>
          </form>
        </Show>
        <Switch fallback={<p role="status">Loading mail…</p>}>
          <Match when={missing()}>
            <div class="banner info" role="alert">
              <p>
                <strong>There is no dev mailbox here.</strong>
              </p>
              <p>
                It exists only when Roster runs locally without a mail service (<code>npm run dev</code>). Here mail is really sent: look in your
                inbox.
              </p>
            </div>
          </Match>
          <Match when={mail.error}>
            <div class="banner error" role="alert">
              <p>Could not read the dev mailbox: {describeError(mail.error)}</p>
              <button type="button" class="button secondary small" onClick={() => void refetch()}>
                Try again
              </button>
            </div>
          </Match>
          <Match when={messages()?.length === 0}>
            <p role="status">{address().trim() ? `No mail to ${address().trim()} yet.` : "No mail yet. Ask for a sign-in link or send an invitation."}</p>
          </Match>
          <Match when={messages()}>
            {(list) => (
              <ul class="mail-list" aria-label="Mail">
                <For each={list()}>{(message) => <MailCard message={message} />}</For>
              </ul>
            )}
          </Match>
        </Switch>
      </div>
    </PublicLayout>
  );
}

/** URLs in a mail's text; trailing punctuation belongs to the sentence. */
const urlPattern = /https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

/** The link as a path on this site: the token works wherever the dashboard is served. */
function localHref(url: string): string {
  const parsed = new URL(url, window.location.href);
  return parsed.pathname + parsed.search + parsed.hash;
}

/** A name for a link, from where it leads. */
function linkName(url: string): string {
  const path = new URL(url, window.location.href).pathname;
  if (path.startsWith("/auth/callback")) return "Sign in with this link";
  if (path.startsWith("/invitations/")) return "Open the invitation";
  if (/^\/orgs\/[^/]+\/members/.test(path)) return "Open the members page";
  return `Open ${path}`;
}

/** The mail's text with its URLs as links (inside the dashboard, without reloading). */
function Linked(props: { text: string }) {
  const parts = () => {
    const out: Array<{ text: string; url?: string }> = [];
    let last = 0;
    for (const match of props.text.matchAll(urlPattern)) {
      out.push({ text: props.text.slice(last, match.index) });
      out.push({ text: match[0], url: match[0] });
      last = match.index + match[0].length;
    }
    out.push({ text: props.text.slice(last) });
    return out;
  };
  return (
    <p class="mail-text">
      <For each={parts()}>{(part) => (part.url ? <A href={localHref(part.url)}>{part.text}</A> : part.text)}</For>
    </p>
  );
}

function MailCard(props: { message: DevMailView }) {
  const links = () => [...new Set(props.message.text.match(urlPattern) ?? [])];
  return (
    <li class="mail-card">
      <h2>{props.message.subject}</h2>
      <p class="mail-meta">
        <span>To {props.message.to}</span>
        <RelativeTime at={props.message.createdAt} />
      </p>
      <Show when={links().length}>
        <div class="mail-links">
          <For each={links()}>
            {(url, index) => (
              <A href={localHref(url)} class={index() === 0 ? "button primary small" : "button secondary small"}>
                {linkName(url)}
              </A>
            )}
          </For>
        </div>
      </Show>
      <details>
        <summary>Full text</summary>
        <Linked text={props.message.text} />
      </details>
    </li>
  );
}
