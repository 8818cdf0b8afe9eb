import { Match, Switch, type JSX } from "solid-js";
import { LoadError } from "./LoadError.tsx";

/**
 * A list's body while it is read: `loading` (a status), then the failure to read it with a
 * way to try again, an empty state (`emptyTitle`, `emptyHint`), or the list itself.
 * `items` is undefined until the list is read.
 */
export function ListState<T>(props: {
  loading: string;
  what: string;
  error: unknown;
  retry: () => void;
  items: readonly T[] | undefined;
  emptyTitle: string;
  emptyHint: string;
  children: (items: () => readonly T[]) => JSX.Element;
}) {
  return (
    <Switch fallback={<p role="status">{props.loading}</p>}>
      <Match when={props.error}>
        <LoadError what={props.what} error={props.error} retry={() => props.retry()} />
      </Match>
      <Match when={props.items?.length === 0}>
        <div class="empty">
          <p>
            <strong>{props.emptyTitle}</strong>
          </p>
          <p class="muted">{props.emptyHint}</p>
        </div>
      </Match>
      <Match when={props.items}>{(items) => props.children(items)}</Match>
    </Switch>
  );
}
