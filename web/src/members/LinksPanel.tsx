import { createSignal, For, Show } from "solid-js";
import type { LinkView } from "../../../worker/views/index.ts";
import { describeError } from "../api.ts";
import { CopyButton } from "../components/CopyButton.tsx";
import { ConfirmDialog } from "../components/Dialog.tsx";
import { LoadError } from "../components/LoadError.tsx";
import { useOrg } from "../stores/org-session.ts";
import type { LinkKind } from "../stores/links.ts";
import { toast } from "../toast.ts";

/** Each link's name in the panel, and what it does. */
const kinds: Record<LinkKind, { name: string; what: string }> = {
  new: { name: "New-user link", what: "For people without an account: they register and join at once." },
  existing: { name: "Existing-user link", what: "For people who already have an account: they sign in and join." },
};

/**
 * The "Self-registration links" panel of the Invites tab (owners and admins): each link's
 * URL with a Copy button, an Enabled switch, the current users tag and Regenerate (with a
 * confirmation: the old URL dies at once). Everyone who joins by link is a restricted member.
 */
export function LinksPanel() {
  const org = useOrg();
  const links = org.links;
  links.watch();
  const [busy, setBusy] = createSignal<LinkKind | null>(null);
  const [confirming, setConfirming] = createSignal<LinkKind | null>(null);
  const [error, setError] = createSignal<string>();

  const toggle = async (link: LinkView, enabled: boolean) => {
    setBusy(link.kind);
    setError(undefined);
    try {
      await links.setEnabled(link.kind, enabled);
      toast(`${kinds[link.kind].name} ${enabled ? "enabled" : "disabled"}.`);
    } catch (failure) {
      setError(describeError(failure));
    }
    setBusy(null);
  };

  const regenerate = async () => {
    const kind = confirming();
    if (!kind) return;
    setBusy(kind);
    setError(undefined);
    try {
      await links.regenerate(kind);
      setConfirming(null);
      toast(`${kinds[kind].name} regenerated: the old URL no longer works.`);
    } catch (failure) {
      setError(describeError(failure));
    }
    setBusy(null);
  };

  return (
    <section class="card links-panel" aria-labelledby="links-title">
      <h2 id="links-title">Self-registration links</h2>
      <p class="muted">
        Share a link by email or on your intranet. Everyone who joins through one is a <strong>restricted</strong> member and takes a seat;
        give more access later. Disabling or regenerating a link stops its URL at once.
      </p>
      <Show when={links.error() && !links.state().loaded}>
        <LoadError what="self-registration links" error={links.error()} retry={() => void links.retry()} />
      </Show>
      <Show when={links.state().loaded} fallback={<Show when={!links.error()}><p class="muted" role="status">Loading links…</p></Show>}>
        <Show when={error() && confirming() === null}>
          <p class="banner error" role="alert">
            {error()}
          </p>
        </Show>
        <For each={links.state().items}>
          {(link) => {
            const name = () => kinds[link.kind].name;
            const lower = () => name().charAt(0).toLowerCase() + name().slice(1);
            return (
              <div class="link-row" data-kind={link.kind}>
                <div class="link-head">
                  <h3>{name()}</h3>
                  <label class="switch">
                    <input
                      type="checkbox"
                      role="switch"
                      aria-label={`${name()} enabled`}
                      checked={link.enabled}
                      disabled={busy() === link.kind}
                      onChange={(e) => void toggle(link, e.currentTarget.checked)}
                    />
                    <span>Enabled</span>
                  </label>
                </div>
                <p class="muted">{kinds[link.kind].what}</p>
                <div class="link-url">
                  <input type="text" readonly value={link.url} aria-label={`${name()} URL`} onFocus={(e) => e.currentTarget.select()} />
                  <CopyButton text={link.url} label={`Copy ${lower()}`} />
                  <button type="button" class="button secondary small" disabled={busy() === link.kind} onClick={() => setConfirming(link.kind)}>
                    Regenerate {lower()}
                  </button>
                </div>
                <p class="sub">
                  {link.enabled ? "On" : "Off"}
                  {" · "}
                  Current users tag: <strong>{link.tag ?? "none yet"}</strong>
                </p>
              </div>
            );
          }}
        </For>
      </Show>
      <ConfirmDialog
        open={confirming() !== null}
        title={`Regenerate the ${(kinds[confirming() ?? "new"].name).toLowerCase()}?`}
        description="Its current URL stops working at once, and people who join through the new one get today's date as their tag."
        confirmLabel="Regenerate"
        pendingLabel="Regenerating…"
        danger
        pending={busy() !== null}
        error={confirming() !== null ? error() : undefined}
        onConfirm={() => void regenerate()}
        onClose={() => {
          setConfirming(null);
          setError(undefined);
        }}
      />
    </section>
  );
}
