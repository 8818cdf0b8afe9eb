import { visibleTo, type LiveViewer } from "../../domain/live-visibility.ts";
import { frameOf, type EventRow } from "./event-log.ts";

type Row = Pick<EventRow, "seq" | "type" | "at" | "data">;

/** The `userIds` of a `project.changed` row (members whose project role changed), or null. */
const memberIds = new WeakMap<Row, string[] | null>();
function userIdsOf(row: Row): string[] | null {
  if (row.type !== "project.changed") return null;
  let ids = memberIds.get(row);
  if (ids === undefined) {
    const data = JSON.parse(row.data) as { userIds?: unknown };
    ids = Array.isArray(data.userIds) && data.userIds.length > 0 ? (data.userIds as string[]) : null;
    memberIds.set(row, ids);
  }
  return ids;
}

/**
 * The frame of a row `viewer` may see, shaped for them, and a key naming that shape (equal
 * keys, equal frames). Only `project.changed` is shaped: its `userIds` say who holds a role
 * in the project, which is read through the API with members:read; a viewer without it
 * (a restricted member, a key without that scope) is told only of their own id, or of none.
 */
export function shapedFrame(viewer: LiveViewer, row: Row, frame: string = frameOf(row)): { key: string; frame: string } {
  const ids = userIdsOf(row);
  if (ids === null || visibleTo(viewer, { audience: "members:read", subject: null })) return { key: "1", frame };
  const data = JSON.parse(row.data) as { userIds?: string[] };
  const mine = ids.includes(viewer.id);
  if (mine) data.userIds = [viewer.id];
  else delete data.userIds;
  return { key: mine ? `(${viewer.id})` : "2", frame: frameOf({ ...row, data: JSON.stringify(data) }) };
}
