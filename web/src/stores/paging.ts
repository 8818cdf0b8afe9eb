import { createEffect, createSignal, onCleanup } from "solid-js";
import { unwrap } from "solid-js/store";
import type { LiveEvent } from "../../../worker/views/index.ts";
import type { Page } from "../live/state.ts";
import type { OrgStoreContext } from "./org-session.ts";

/** How a list of the organization's state is read and kept. */
export interface PagedList<P extends Page<unknown>> {
  /** The page in the organization's state. */
  current(): P;
  /** Puts a page into the organization's state (reconciled by id). */
  store(page: P): void;
  /** The page at `cursor` with the filter and size of `like`, as the API answers it now. */
  fetch(like: P, cursor: string | null): Promise<P>;
  /** The list's part of `applyEvent`. */
  apply(page: P, event: LiveEvent): P;
}

/** After a live change a page cannot place itself, it is read again this soon (a burst of changes reads once). */
const staleDelayMs = 150;

/**
 * Paging over the API's cursor for one list of an organization: one page in the browser at
 * a time, the cursors of the pages before it kept for "Previous". A page read while live
 * events arrived is brought up to date with them; a page the events left stale is read
 * again. Nothing is read until a component `watch()`es the list and the live channel is ready.
 */
export function createPaging<P extends Page<unknown>>(ctx: OrgStoreContext, list: PagedList<P>) {
  const [loading, setLoading] = createSignal(false);
  const [error, setError] = createSignal<unknown>();
  const [watchers, setWatchers] = createSignal(0);
  /** The cursors of the pages before the one on screen. */
  let before: (string | null)[] = [];
  let request = 0;

  async function read(wanted: P, cursor: string | null, index: number): Promise<void> {
    const like = unwrap(wanted);
    const id = ++request;
    const from = ctx.state.seq;
    setLoading(true);
    try {
      const read = { ...(await list.fetch(like, cursor)), cursor, index, loaded: true, stale: false };
      if (id !== request) return;
      list.store(ctx.catchUp(read, from, list.apply) ?? { ...read, stale: true });
      setError(undefined);
    } catch (failure) {
      if (id === request) setError(failure);
    } finally {
      if (id === request) setLoading(false);
    }
  }

  createEffect(() => {
    if (watchers() > 0 && ctx.canRead() && !list.current().loaded && !loading() && error() === undefined) {
      void read(list.current(), null, 0);
    }
  });
  createEffect(() => {
    const page = list.current();
    if (watchers() === 0 || !page.stale || loading()) return;
    const timer = setTimeout(() => void read(page, page.cursor, page.index), staleDelayMs);
    onCleanup(() => clearTimeout(timer));
  });

  return {
    /** The page on screen. */
    page: (): P => list.current(),
    loading,
    /** Why the last read failed (an `ApiError`); cleared by the next read that succeeds. */
    error,
    /** Keeps the list read and current while the calling component lives. */
    watch(): void {
      setWatchers((n) => n + 1);
      onCleanup(() => setWatchers((n) => n - 1));
    },
    /** Reads the first page like `like` (a new filter, order or size). */
    first(like: P): Promise<void> {
      before = [];
      return read(like, null, 0);
    },
    /** The next page, if there is one. */
    next(): Promise<void> {
      const page = list.current();
      if (page.nextCursor === null) return Promise.resolve();
      before.push(page.cursor);
      return read(page, page.nextCursor, page.index + 1);
    },
    /** The page before, if any. */
    previous(): Promise<void> {
      const page = list.current();
      if (page.index === 0) return Promise.resolve();
      return read(page, before.pop() ?? null, page.index - 1);
    },
    /** Reads the page on screen again. */
    refresh(): Promise<void> {
      const page = list.current();
      return read(page, page.cursor, page.index);
    },
  };
}
