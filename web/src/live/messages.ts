import type { ControlFrame, LiveCloseCodes, LiveEvent, ServerMessage } from "../../../worker/views/index.ts";

/** The live channel's close codes (worker/org/live/protocol.ts), checked against the Worker's. */
export const liveCloseCodes = { removed: 4403, revoked: 4401, signedOut: 4401, deleted: 4410 } as const satisfies LiveCloseCodes;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** An event's envelope: `{seq, type, at, data}` with a dotted type. Its data is the API's view. */
function isEvent(value: unknown): value is LiveEvent {
  return (
    isObject(value) &&
    Number.isSafeInteger(value.seq) &&
    typeof value.type === "string" &&
    value.type.includes(".") &&
    typeof value.at === "string" &&
    isObject(value.data)
  );
}

function isControl(value: Record<string, unknown>): value is ControlFrame {
  switch (value.type) {
    case "ready":
    case "resync":
      return Number.isSafeInteger(value.seq);
    case "pong":
      return true;
    case "error":
      return typeof value.code === "string" && typeof value.message === "string";
    case "closing":
      return Number.isInteger(value.code) && typeof value.reason === "string";
    default:
      return false;
  }
}

/**
 * The server messages in one WebSocket message (one message, or an array of events in seq
 * order), checked, never cast. Anything else (not JSON, a shape this dashboard does not
 * know) answers an empty list: a newer server may send more than this page understands.
 */
export function readLiveMessage(text: unknown): ServerMessage[] {
  if (typeof text !== "string") return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  if (Array.isArray(parsed)) return parsed.filter(isEvent);
  if (isEvent(parsed)) return [parsed];
  return isObject(parsed) && isControl(parsed) ? [parsed] : [];
}

/** Whether a server message is an event (a dotted type) rather than a control frame. */
export function isLiveEvent(message: ServerMessage): message is LiveEvent {
  return message.type.includes(".");
}
