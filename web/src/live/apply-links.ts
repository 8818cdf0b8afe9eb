import type { LiveEvent, LinkView } from "../../../worker/views/index.ts";

/** The self-registration links panel's state: both links as read (with their URLs). */
export interface LinksState {
  items: LinkView[];
  /** Read from the API at least once. */
  loaded: boolean;
  /** A change this state cannot show (a regenerated link's new URL is not in the event): read again. */
  stale: boolean;
}

export function emptyLinksState(): LinksState {
  return { items: [], loaded: false, stale: false };
}

/**
 * The links after `event`. `links.changed` carries a link's state but never its URL: an
 * enabled switch is applied in place; a new generation (whose URL the page cannot derive)
 * marks the state stale, and the old URL is never shown as live meanwhile.
 */
export function applyToLinks(links: LinksState, event: LiveEvent): LinksState {
  if (event.type !== "links.changed" || !links.loaded) return links;
  const next = event.data.link;
  const shown = links.items.find((l) => l.kind === next.kind);
  if (!shown) return { ...links, stale: true };
  if (shown.generation === next.generation && shown.enabled === next.enabled && shown.tag === next.tag) return links;
  const items = links.items.map((l) => (l.kind === next.kind ? { ...l, ...next, url: next.generation === l.generation ? l.url : "" } : l));
  return { ...links, items, stale: links.stale || next.generation !== shown.generation };
}
