import type { Statement } from "../../lib/sql/statement.ts";
import type { RoomState } from "../state.ts";
import type { PlanContext } from "./plan-context.ts";

/**
 * The statements that give a new member their automatic private project, in the same
 * transaction as their membership (none unless the organization's `autoPrivateProject` is on).
 * Placeholder: replaced by the projects branch.
 */
export function personalProjectStatements(_ctx: PlanContext, _state: RoomState, _member: { userId: string; name: string; email: string }): Statement[] {
  return [];
}
