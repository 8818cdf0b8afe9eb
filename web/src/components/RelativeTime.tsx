import { createSignal, onCleanup } from "solid-js";
import { formatDateTime, fromNow } from "../relative-time.ts";

/** A shared clock that ticks while some relative time is on screen. */
const [now, setNow] = createSignal(Date.now());
let shown = 0;
let ticker: ReturnType<typeof setInterval> | undefined;

/** A time as "5 minutes ago", kept current, with the exact time as its tooltip and `datetime`. */
export function RelativeTime(props: { at: string }) {
  if (shown++ === 0) {
    setNow(Date.now());
    ticker = setInterval(() => setNow(Date.now()), 30_000);
  }
  onCleanup(() => {
    if (--shown === 0) clearInterval(ticker);
  });
  return (
    <time datetime={props.at} title={formatDateTime(props.at)}>
      {fromNow(props.at, now())}
    </time>
  );
}
