import { A } from "@solidjs/router";
import { createUniqueId, Show } from "solid-js";
import type { SeatsView } from "../../../worker/views/index.ts";

/**
 * "Invite people", or, with no seat left, the same button disabled with the reason beside it
 * ("No seats left — 5 of 5 used") and, for an owner, a link to the seat limit in the settings.
 */
export function InviteButton(props: { seats: SeatsView; owner: boolean; settingsHref: string; onClick: () => void; prefetch?: () => void }) {
  const reasonId = createUniqueId();
  const full = () => props.seats.available === 0;
  return (
    <div class="invite-button">
      <button type="button" class="button primary" disabled={full()} aria-describedby={full() ? reasonId : undefined} onPointerEnter={() => props.prefetch?.()} onFocus={() => props.prefetch?.()} onClick={() => props.onClick()}>
        Invite people
      </button>
      <Show when={full()}>
        <p id={reasonId} class="no-seats">
          No seats left — {props.seats.used} of {props.seats.limit} used.{" "}
          <Show when={props.owner} fallback="An owner can raise the seat limit.">
            <A href={props.settingsHref}>Raise the seat limit</A>
          </Show>
        </p>
      </Show>
    </div>
  );
}
