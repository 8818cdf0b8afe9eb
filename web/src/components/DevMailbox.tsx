import { createSignal, For, Match, Show, Switch } from "solid-js";
import { describeError } from "../api.ts";
import { A } from "@solidjs/router";
import { createMailbox, signInLinks } from "../stores/mailbox.ts";

const time = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });

/** The link as a path on this site: the token works wherever the dashboard is served. */
function localHref(url: string): string {
  const parsed = new URL(url, window.location.href);
  return parsed.pathname + parsed.search;
}

/**
 * Local development only: the mail the dev mailbox holds for `address`, with its sign-in
 * links clickable, so nobody needs a real inbox to sign in.
 */
export function DevMailbox(props: { address: string }) {
  const [open, setOpen] = createSignal(false);
  const { mail, refresh } = createMailbox(() => open() && props.address);
  const messages = () => (mail.state === "ready" || mail.state === "refreshing" ? mail() : undefined);

  return (
    <section class="devbox" aria-label="Dev mailbox">
      <button
        type="button"
        class="button secondary"
        aria-expanded={open()}
        aria-controls="devbox-panel"
        onClick={() => setOpen(!open())}
      >
        {open() ? "Close dev mailbox" : "Open dev mailbox"}
      </button>
      <Show when={open()}>
        <div id="devbox-panel" class="devbox-panel">
          <div class="devbox-head">
            <h2>Dev mailbox</h2>
            <button type="button" class="button ghost small" onClick={() => void refresh()} disabled={mail.loading}>
              Refresh
            </button>
          </div>
          <p class="hint">
            Local development: mail for <strong>{props.address}</strong> is kept here instead of being sent.
          </p>
          <Switch fallback={<p role="status">Loading mail…</p>}>
            <Match when={mail.error}>
              <p class="field-error" role="alert">
                Could not read the dev mailbox: {describeError(mail.error)}
              </p>
            </Match>
            <Match when={messages()?.length === 0}>
              <p role="status">No mail for {props.address} yet.</p>
            </Match>
            <Match when={messages()}>
              {(list) => (
                <ul class="mail-list">
                  <For each={list()}>
                    {(message) => (
                      <li class="mail">
                        <div class="mail-head">
                          <strong>{message.subject}</strong>
                          <time datetime={message.createdAt}>{time.format(new Date(message.createdAt))}</time>
                        </div>
                        <For each={signInLinks(message.text)} fallback={<p class="muted">{message.text.slice(0, 200)}</p>}>
                          {(url) => (
                            <A href={localHref(url)} class="button primary small">
                              Sign in with this link
                            </A>
                          )}
                        </For>
                      </li>
                    )}
                  </For>
                </ul>
              )}
            </Match>
          </Switch>
        </div>
      </Show>
    </section>
  );
}
