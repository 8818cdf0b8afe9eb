import { createComponent, createMemo, createSignal, Show, splitProps, type Component, type JSX } from "solid-js";

/**
 * A tiny client-side router over the history API: a reactive location, `navigate`,
 * `<Link>` and a first-match `<Router>` with `:param` and trailing `*` patterns.
 */

/** Route parameters, decoded. */
export type Params = Record<string, string>;

interface Place {
  pathname: string;
  search: string;
}

const here = (): Place => ({ pathname: window.location.pathname, search: window.location.search });
const [place, setPlace] = createSignal<Place>(here(), {
  equals: (a, b) => a.pathname === b.pathname && a.search === b.search,
});
window.addEventListener("popstate", () => setPlace(here()));

/** The current path, e.g. `/orgs/acme`. */
export const path = () => place().pathname;

/** The current query string, parsed. */
export const searchParams = () => new URLSearchParams(place().search);

/** Goes to `to` (same origin: without a page load; elsewhere: a normal load). */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = new URL(to, window.location.href);
  if (url.origin !== window.location.origin) {
    window.location.assign(url.href);
    return;
  }
  const target = url.pathname + url.search + url.hash;
  if (target === window.location.pathname + window.location.search + window.location.hash) return;
  if (options.replace) window.history.replaceState(null, "", target);
  else {
    window.history.pushState(null, "", target);
    window.scrollTo(0, 0);
  }
  setPlace(here());
}

/**
 * Matches `pathname` against `pattern`: literal segments, `:name` for one segment and a
 * final `*` for the rest (as param `*`). Answers the decoded params, or null.
 */
export function matchPath(pattern: string, pathname: string): Params | null {
  const want = pattern.split("/").filter(Boolean);
  const have = pathname.split("/").filter(Boolean);
  const params: Params = {};
  for (let i = 0; i < want.length; i++) {
    const segment = want[i] as string;
    if (segment === "*" && i === want.length - 1) {
      params["*"] = have.slice(i).map(decode).join("/");
      return params;
    }
    const value = have[i];
    if (value === undefined) return null;
    if (segment.startsWith(":")) params[segment.slice(1)] = decode(value);
    else if (segment !== value) return null;
  }
  return have.length === want.length ? params : null;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** An `<a>` that navigates in place; modified clicks (new tab, download) stay native. */
export function Link(props: JSX.AnchorHTMLAttributes<HTMLAnchorElement> & { href: string; replace?: boolean }) {
  const [own, rest] = splitProps(props, ["href", "replace", "onClick"]);
  const onClick = (event: MouseEvent & { currentTarget: HTMLAnchorElement; target: Element }) => {
    if (typeof own.onClick === "function") own.onClick(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (event.currentTarget.target && event.currentTarget.target !== "_self") return;
    if (new URL(own.href, window.location.href).origin !== window.location.origin) return;
    event.preventDefault();
    navigate(own.href, { replace: own.replace ?? false });
  };
  return (
    <a
      {...rest}
      href={own.href}
      aria-current={new URL(own.href, window.location.href).pathname === path() ? "page" : undefined}
      onClick={onClick}
    />
  );
}

/** A page the router can show. */
export interface Route {
  path: string;
  component: Component<{ params: Params }>;
}

/**
 * Shows the first route whose pattern matches the path. A page stays mounted while only
 * its params change (e.g. `/orgs/a` → `/orgs/b`), and reads them reactively.
 */
export function Router(props: { routes: Route[]; fallback: Component }) {
  const match = createMemo(() => {
    for (const route of props.routes) {
      const params = matchPath(route.path, path());
      if (params) return { route, params };
    }
    return null;
  });
  const route = createMemo(() => match()?.route);
  return (
    <Show when={route()} keyed fallback={createComponent(props.fallback, {})}>
      {(active) =>
        createComponent(active.component, {
          get params() {
            return match()?.params ?? {};
          },
        })
      }
    </Show>
  );
}
