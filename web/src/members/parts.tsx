import { createSignal, onCleanup, Show, type Accessor } from "solid-js";
import { LoadError } from "../components/LoadError.tsx";
import { formatDateTime, fromNow } from "../relative-time.ts";
import { initials } from "./rules.ts";

/** The current time, ticking every 30 s while the calling component lives (relative times, expiry). */
export function useNow(): Accessor<number> {
  const [now, setNow] = createSignal(Date.now());
  const timer = setInterval(() => setNow(Date.now()), 30_000);
  onCleanup(() => clearInterval(timer));
  return now;
}

/** "3 minutes ago" as a `<time>`, the exact time as its tooltip. */
export function When(props: { at: string | null; now: number; never?: string }) {
  return (
    <Show when={props.at} fallback={<span class="muted">{props.never ?? "Never"}</span>}>
      {(at) => (
        <time datetime={at()} title={formatDateTime(at())}>
          {fromNow(at(), Math.max(props.now, Date.now()))}
        </time>
      )}
    </Show>
  );
}

/** A round badge with a person's initials; decorative (the name is beside it). */
export function Avatar(props: { name: string }) {
  // A stable hue per name, so that people are told apart at a glance.
  const hue = () => Array.from(props.name).reduce((h, ch) => (h * 31 + (ch.codePointAt(0) ?? 0)) % 360, 7);
  return (
    <span class="avatar" aria-hidden="true" style={{ "--hue": String(hue()) }}>
      {initials(props.name)}
    </span>
  );
}

/** "Showing 1–50 of 1,234" (or "of about 85,000"), and Previous / Next. */
export function Pager(props: {
  label: string;
  index: number;
  limit: number;
  shown: number;
  total?: number;
  /** False: `total` is an estimate ("of about 85,000"). */
  totalExact?: boolean;
  hasNext: boolean;
  busy: boolean;
  previous: () => void;
  next: () => void;
}) {
  const from = () => props.index * props.limit + 1;
  const to = () => from() + props.shown - 1;
  const number = (n: number) => n.toLocaleString("en");
  return (
    <nav class="pager" aria-label={`${props.label} pages`}>
      <p class="muted" aria-live="polite">
        <Show when={props.shown > 0} fallback={props.total === 0 ? "None" : ""}>
          Showing {number(from())}–{number(to())}
          <Show when={props.total !== undefined}> of {props.totalExact === false ? "about " : ""}{number(props.total ?? 0)}</Show>
        </Show>
      </p>
      <Show when={props.index > 0 || props.hasNext}>
        <div class="pager-buttons">
          <button type="button" class="button secondary small" disabled={props.index === 0 || props.busy} onClick={() => props.previous()}>
            Previous
          </button>
          <button type="button" class="button secondary small" disabled={!props.hasNext || props.busy} onClick={() => props.next()}>
            Next
          </button>
        </div>
      </Show>
    </nav>
  );
}

/** Runs `action` at most once every `ms` after the last call (typing in a search box). */
export function debounced<A extends unknown[]>(action: (...args: A) => void, ms: number): ((...args: A) => void) & { cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = (...args: A) => {
    clearTimeout(timer);
    timer = setTimeout(() => action(...args), ms);
  };
  onCleanup(() => clearTimeout(timer));
  return Object.assign(run, { cancel: () => clearTimeout(timer) });
}

/** A list's error (with a retry) and loading states, above its table. */
export function ListStatus(props: { what: string; error: unknown; loaded: boolean; retry: () => void }) {
  return (
    <>
      <Show when={props.error}>
        {(error) => <LoadError what={props.what} error={error()} retry={props.retry} />}
      </Show>
      <Show when={!props.loaded && !props.error}>
        <p class="muted" role="status">
          Loading {props.what}…
        </p>
      </Show>
    </>
  );
}
