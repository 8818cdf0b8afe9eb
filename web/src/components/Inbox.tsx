import { A, useLocation } from "@solidjs/router";
import { createEffect, createSignal, For, on, onCleanup, onMount, Show } from "solid-js";
import type { NotificationView, Role } from "../../../worker/views/index.ts";
import { describeError } from "../api.ts";
import { fromNow } from "../relative-time.ts";
import { useInbox } from "../stores/inbox.ts";
import { toastError } from "../toast.ts";
import { asRole } from "./InvitationCard.tsx";
import "../invitee.css";

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function text(data: Record<string, unknown>, ...path: string[]): string | undefined {
  let current: unknown = data;
  for (const key of path) current = typeof current === "object" && current !== null ? (current as Record<string, unknown>)[key] : undefined;
  return typeof current === "string" && current !== "" ? current : undefined;
}

/** What a notification says and where opening it goes, from its type and data (read defensively: data is free-form). */
export function describeNotification(n: NotificationView): { what: string; href?: string } {
  const org = text(n.data, "org", "name") ?? "an organization";
  const slug = text(n.data, "org", "slug");
  const who = text(n.data, "user", "name") ?? "Someone";
  const orgPage = (rest: string) => (slug ? `/orgs/${encodeURIComponent(slug)}${rest}` : undefined);
  switch (n.type) {
    case "invitation.received": {
      const role = text(n.data, "role");
      const id = text(n.data, "invitationId");
      return {
        what: `You were invited to join ${org}${role && role in asRole ? ` as ${asRole[role as Role]}` : ""}`,
        href: id ? `/me/invitations/${encodeURIComponent(id)}` : undefined,
      };
    }
    case "invitation.accepted":
      return { what: `${who} accepted your invitation to ${org}`, href: orgPage("/members") };
    case "invitation.declined":
      return { what: `${who} declined your invitation to ${org}`, href: orgPage("/invitations") };
    case "member.joined_by_link":
      return { what: `${who} joined ${org} through a self-registration link`, href: orgPage("/members") };
    default:
      return { what: `Notification: ${n.type}` };
  }
}

/**
 * The header's inbox: a button counting the signed-in user's pending invitations and unread
 * notifications, opening a panel that lists them. A pending invitation links to its page;
 * opening a notification marks it read. Escape, a click outside or going to another page
 * closes the panel; Escape gives focus back to the button.
 */
export function Inbox() {
  const inbox = useInbox();
  const location = useLocation();
  const [open, setOpen] = createSignal(false);
  let wrapper: HTMLDivElement | undefined;
  let toggle: HTMLButtonElement | undefined;

  const label = () => {
    const parts = [
      inbox.invitations().length ? plural(inbox.invitations().length, "pending invitation", "pending invitations") : "",
      inbox.unread() ? plural(inbox.unread(), "unread notification", "unread notifications") : "",
    ].filter(Boolean);
    return parts.length ? `Inbox: ${parts.join(", ")}` : "Inbox";
  };

  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) toggle?.focus();
  };
  createEffect(on(() => location.pathname, () => setOpen(false), { defer: true }));
  onMount(() => {
    const outside = (event: PointerEvent) => {
      if (open() && wrapper && !wrapper.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("pointerdown", outside);
    onCleanup(() => document.removeEventListener("pointerdown", outside));
  });

  const openNotification = (n: NotificationView) => {
    if (!describeNotification(n).href) return void inbox.markRead(n.id).catch(toastError);
    setOpen(false);
    inbox.markRead(n.id).catch(toastError);
  };

  return (
    <div
      class="inbox"
      ref={wrapper}
      onKeyDown={(event) => {
        if (event.key === "Escape" && open()) {
          event.stopPropagation();
          close(true);
        }
      }}
    >
      <button
        ref={toggle}
        type="button"
        class="button ghost inbox-toggle"
        aria-expanded={open()}
        aria-controls="inbox-panel"
        aria-label={label()}
        onClick={() => {
          const opening = !open();
          setOpen(opening);
          if (opening) void inbox.refresh();
        }}
      >
        <span class="long">Inbox</span>
        <span aria-hidden="true" class="bell">✉</span>
        <Show when={inbox.count() > 0}>
          <span class="count" aria-hidden="true">
            {inbox.count() > 99 ? "99+" : inbox.count()}
          </span>
        </Show>
      </button>
      <Show when={open()}>
        <div id="inbox-panel" class="inbox-panel" role="region" aria-label="Inbox">
          <Show when={inbox.error()}>
            {(error) => (
              <p class="field-error" role="alert">
                Could not check for new items: {describeError(error())}
              </p>
            )}
          </Show>
          <section aria-labelledby="inbox-invitations">
            <div class="inbox-head">
              <h2 id="inbox-invitations">Invitations</h2>
              <Show when={inbox.loading()}>
                <span class="hint" role="status">
                  Updating…
                </span>
              </Show>
            </div>
            <Show when={inbox.invitations().length > 0} fallback={<p class="inbox-empty">No pending invitations.</p>}>
              <ul class="inbox-list">
                <For each={inbox.invitations()}>
                  {(invitation) => (
                    <li>
                      <A class="inbox-item unread" href={`/me/invitations/${encodeURIComponent(invitation.id)}`} onClick={() => setOpen(false)}>
                        <span class="unread-dot" aria-hidden="true" />
                        <span class="what">
                          Join {invitation.org.name} as {asRole[invitation.role]}
                        </span>
                        <span class="when">
                          Expires <time datetime={invitation.expiresAt}>{fromNow(invitation.expiresAt)}</time>
                        </span>
                      </A>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          </section>
          <section aria-labelledby="inbox-notifications">
            <div class="inbox-head">
              <h2 id="inbox-notifications">Notifications</h2>
              <Show when={inbox.unread() > 0}>
                <button type="button" class="button ghost small" onClick={() => void inbox.markAllRead().catch(toastError)}>
                  Mark all as read
                </button>
              </Show>
            </div>
            <Show
              when={inbox.notifications().length > 0}
              fallback={<p class="inbox-empty">No notifications yet. Answers to your invitations show up here.</p>}
            >
              <ul class="inbox-list">
                <For each={inbox.notifications()}>
                  {(n) => {
                    const { what, href } = describeNotification(n);
                    const body = () => (
                      <>
                        <span class={n.read ? "read-dot" : "unread-dot"} aria-hidden="true" />
                        <span class="what">
                          {what}
                          <Show when={!n.read}>
                            <span class="visually-hidden"> (unread)</span>
                          </Show>
                        </span>
                        <span class="when">
                          <time datetime={n.createdAt}>{fromNow(n.createdAt)}</time>
                        </span>
                      </>
                    );
                    return (
                      <li>
                        <Show
                          when={href}
                          fallback={
                            <button type="button" class="inbox-item" classList={{ unread: !n.read }} onClick={() => openNotification(n)}>
                              {body()}
                            </button>
                          }
                        >
                          {(target) => (
                            <A class="inbox-item" classList={{ unread: !n.read }} href={target()} onClick={() => openNotification(n)}>
                              {body()}
                            </A>
                          )}
                        </Show>
                      </li>
                    );
                  }}
                </For>
              </ul>
            </Show>
          </section>
        </div>
      </Show>
    </div>
  );
}
