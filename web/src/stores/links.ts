import { createEffect, createSignal } from "solid-js";
import { reconcile } from "solid-js/store";
import type { LinkListView, LinkView } from "../../../worker/views/index.ts";
import { api } from "../api.ts";
import { applyToLinks, type LinksState } from "../live/apply-links.ts";
import type { OrgStoreContext } from "./org-session.ts";

export type LinkKind = LinkView["kind"];

/**
 * The organization's two self-registration links (owners and admins), read with their URLs
 * and kept current by `links.changed`: a regenerated link is read again for its new URL.
 */
export function createLinksStore(ctx: OrgStoreContext) {
  const [error, setError] = createSignal<unknown>();
  let reading = false;
  const base = () => `/api/v1/orgs/${encodeURIComponent(ctx.slug)}/links`;
  const store = (links: LinksState) => ctx.setState("links", reconcile(links, { key: "kind" }));

  async function read(): Promise<void> {
    if (reading) return;
    reading = true;
    setError(undefined);
    const from = ctx.state.seq;
    try {
      const answer = await api<LinkListView>(base());
      const fresh: LinksState = { items: answer.links, loaded: true, stale: false };
      store(ctx.catchUp(fresh, from, applyToLinks) ?? fresh);
    } catch (failure) {
      setError(failure);
    } finally {
      reading = false;
    }
  }

  /** Shows a link the API just answered with (its URL included). */
  function show(link: LinkView): void {
    const current = ctx.state.links;
    store({ ...current, items: current.items.map((l) => (l.kind === link.kind ? link : l)) });
  }

  return {
    state: () => ctx.state.links,
    error,
    /** Reads the links once the page may read, and again whenever an event made them stale. */
    watch(): void {
      createEffect(() => {
        if (!ctx.canRead()) return;
        const links = ctx.state.links;
        if (!links.loaded || links.stale) void read();
      });
    },
    retry: read,
    async setEnabled(kind: LinkKind, enabled: boolean): Promise<void> {
      show(await api<LinkView>(`${base()}/${kind}`, { method: "PATCH", body: JSON.stringify({ enabled }) }));
    },
    async regenerate(kind: LinkKind): Promise<void> {
      show(await api<LinkView>(`${base()}/${kind}/regenerate`, { method: "POST" }));
    },
  };
}

export type LinksStore = ReturnType<typeof createLinksStore>;
