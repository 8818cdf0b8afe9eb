import type { LiveStatus } from "../live/connection.ts";

const labels: Record<LiveStatus, string> = {
  connecting: "Connecting…",
  online: "Live",
  offline: "Offline — reconnecting…",
  ended: "Not live",
};
const dots: Record<LiveStatus, string> = { connecting: "pending", online: "up", offline: "down", ended: "down" };

/** Whether the page is receiving the organization's changes as they happen. */
export function LiveIndicator(props: { status: LiveStatus }) {
  return (
    <p class="live" role="status" data-status={props.status} title="Changes made by others appear here as they happen while live">
      <span class={`dot ${dots[props.status]}`} aria-hidden="true" /> {labels[props.status]}
    </p>
  );
}
