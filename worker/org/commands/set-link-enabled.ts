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
 * Enables or disables a self-registration link. A disabled link refuses everyone
 * (`link_invalid`); enabling it again brings the same URL back (regenerating is what kills
 * a URL for good). A link enabled for the first time gets its tag then. Setting what is
 * already set changes nothing and records nothing.
 */
export async function planSetLinkEnabled(ctx: PlanContext, state: RoomState, actor: Actor, kind: LinkKind, enabled: boolean): Promise<RoomPlan<LinkStateView>> {
  requirePermission(actor, "invitations:write");
  const current = await roomLink(ctx, state, kind);
  if (current.enabled === enabled && current.tag !== null) return { statements: [], value: linkStateView(current) };
  const next = { ...current, enabled, tag: current.tag ?? linkTagOn(ctx.now), rotatedAt: current.rotatedAt ?? new Date(ctx.now) };
  await setRoomLink(ctx, state, next);
  const view = linkStateView(next);
  const changed = current.enabled !== enabled;
  return {
    statements: [
      linkUpsert(ctx, state.org.id, next),
      ...(changed
        ? [auditStatement(state.org.id, actor, ctx.now, { action: enabled ? "link.enabled" : "link.disabled", targetType: "link", targetId: kind, data: { kind, generation: next.generation, tag: next.tag } })]
        : []),
    ],
    value: view,
    events: changed ? [{ type: "links.changed", data: { link: view } }] : [],
  };
}
