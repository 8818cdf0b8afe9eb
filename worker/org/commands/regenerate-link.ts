import { linkTagOn, type LinkKind } from "../../domain/links.ts";
import { linkStateView, type LinkStateView } from "../../views/link.ts";
import type { Actor } from "../actor.ts";
import { auditStatement } from "../audit.ts";
import { roomLink, setRoomLink } from "../links.ts";
import type { RoomState } from "../state.ts";
import { requirePermission } from "./context.ts";
import { linkUpsert } from "./link-row.ts";
import type { PlanContext, RoomPlan } from "./plan-context.ts";

/**
 * Regenerates a self-registration link: its generation goes up, so its URL (derived from the
 * generation) changes and the old one is refused from this commit on; its tag becomes
 * today's date. Whether it is enabled does not change.
 */
export async function planRegenerateLink(ctx: PlanContext, state: RoomState, actor: Actor, kind: LinkKind): Promise<RoomPlan<LinkStateView>> {
  requirePermission(actor, "invitations:write");
  const current = await roomLink(ctx, state, kind);
  const next = { ...current, generation: current.generation + 1, tag: linkTagOn(ctx.now), rotatedAt: new Date(ctx.now) };
  await setRoomLink(ctx, state, next);
  const view = linkStateView(next);
  return {
    statements: [
      linkUpsert(ctx, state.org.id, next),
      auditStatement(state.org.id, actor, ctx.now, { action: "link.regenerated", targetType: "link", targetId: kind, data: { kind, generation: next.generation, tag: next.tag } }),
    ],
    value: view,
    events: [{ type: "links.changed", data: { link: view } }],
  };
}
