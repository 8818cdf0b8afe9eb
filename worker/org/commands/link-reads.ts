import type { LinkKind } from "../../domain/links.ts";
import { linkStateView, type LinkStateView } from "../../views/link.ts";
import type { Actor } from "../actor.ts";
import { roomLinks } from "../links.ts";
import type { RoomState } from "../state.ts";
import { requirePermission } from "./context.ts";
import { requireSeat } from "./invite.ts";
import { requireLinkDomain, requireLiveLink } from "./join-by-link.ts";
import type { PlanContext, RoomPlan } from "./plan-context.ts";

/** Both links' state, read in order with the commands that change them (the Worker derives the URLs). */
export async function planReadLinks(ctx: PlanContext, state: RoomState, actor: Actor): Promise<RoomPlan<LinkStateView[]>> {
  requirePermission(actor, "invitations:write");
  return { statements: [], value: [...(await roomLinks(ctx, state)).values()].map(linkStateView) };
}

/**
 * Whether a link generation would take someone now, before anything is asked of them: the
 * organization available, the link live, a seat free, and `email` (when given) at an allowed
 * domain. Answers the organization's name; refuses with the join's codes. With `mails`, one
 * mail is charged to the organization's hourly mail budget (429 `rate_limited` past it).
 */
export async function planCheckLink(
  ctx: PlanContext,
  state: RoomState,
  kind: LinkKind,
  generation: number,
  email: string | null,
  mails = false,
): Promise<RoomPlan<{ org: { slug: string; name: string } }>> {
  await requireLiveLink(ctx, state, kind, generation);
  if (email !== null) requireLinkDomain(state, email);
  requireSeat(state, ctx.now);
  // A registration's verification mail is the organization's mail too: it counts against its hourly budget.
  if (mails) ctx.takeMailBudget(1);
  return { statements: [], value: { org: { slug: state.org.slug, name: state.org.name } } };
}
