import { createUniqueId } from "solid-js";
import type { SeatsView } from "../../../worker/views/index.ts";

/** "2 of 5 seats used — 3 left". */
export function seatsSentence(seats: SeatsView): string {
  return `${seats.used} of ${seats.limit} seats used — ${seats.available} left`;
}

/** The organization's seats, in words and as a meter (members + pending invitations against the limit). */
export function SeatsMeter(props: { seats: SeatsView }) {
  const id = createUniqueId();
  const max = () => Math.max(props.seats.limit, 1);
  return (
    <div class="seats-meter" classList={{ full: props.seats.available === 0 }}>
      <span id={id}>{seatsSentence(props.seats)}</span>
      <meter min={0} max={max()} value={Math.min(props.seats.used, max())} high={max() * 0.8} optimum={0} aria-labelledby={id} />
    </div>
  );
}
