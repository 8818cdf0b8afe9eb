/**
 * How much one room command may do at once, whatever the organization's size. A command's
 * statements go in one libSQL batch, its events in one message per socket and its audit
 * entries in the same transaction: none of them may grow with the number of members or
 * pending invitations (docs/decisions/0015-bounded-by-page.md).
 */
import { rawStatement, type RawStatement } from "../../lib/sql/row-insert.ts";

/**
 * Most invitations one expiry pass marks expired (commands/expire.ts): the oldest due first.
 * When more are due, the room's alarm stays due (the next expiry is in the past) and fires
 * again at once, so a backlog of 100,000 expires in passes of this size, each its own
 * transaction with its audit entries and one live message of at most this many events.
 */
export const expiryPassLimit = 500;

/**
 * Most `invitation.updated` events one change publishes for the pending invitations it
 * rewrote in one statement (a deleted project's assignments): up to this many, each is
 * published; past it none is, and the change's own event (`project.changed` with
 * `deleted`) says what became of them. Its audit entry lists at most this many ids beside
 * their count.
 */
export const changedInvitationEvents = 100;

/**
 * Takes project `projectId` out of the assignments of every pending invitation of `orgId`
 * that names it, in one statement however many they are (the assignments' order is kept).
 */
export function dropProjectFromPending(orgId: string, projectId: string): RawStatement {
  return rawStatement(
    "UPDATE invitations SET project_assignments = (" +
      "SELECT coalesce(json_group_array(json(a.value)), '[]') FROM json_each(invitations.project_assignments) AS a " +
      "WHERE json_extract(a.value, '$.projectId') IS NOT ?1) " +
      "WHERE org_id = ?2 AND status = 'pending' " +
      "AND EXISTS (SELECT 1 FROM json_each(invitations.project_assignments) AS a WHERE json_extract(a.value, '$.projectId') = ?1)",
    [projectId, orgId],
  );
}
