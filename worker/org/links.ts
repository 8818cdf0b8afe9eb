import { eq } from "drizzle-orm";
import { orgLinks } from "../../db/schema/index.ts";
import { initialLink, linkKinds, type LinkKind, type LinkState } from "../domain/links.ts";
import type { PlanContext } from "./commands/plan-context.ts";
import type { RoomState } from "./state.ts";

/**
 * The organization's self-registration links as its room knows them. They are read once per
 * loaded state (on the first link command) and kept beside it: a state that is reloaded
 * (after a failed commit) reads them again, so they never outlive the state they match.
 */
const known = new WeakMap<RoomState, Map<LinkKind, LinkState>>();

export async function roomLinks(ctx: PlanContext, state: RoomState): Promise<Map<LinkKind, LinkState>> {
  let links = known.get(state);
  if (!links) {
    const rows = await ctx.db.select().from(orgLinks).where(eq(orgLinks.orgId, state.org.id));
    links = new Map(linkKinds.map((kind) => [kind, initialLink(kind)]));
    for (const row of rows) links.set(row.kind, { kind: row.kind, enabled: row.enabled, generation: row.generation, tag: row.tag, rotatedAt: row.rotatedAt });
    known.set(state, links);
  }
  return links;
}

/** The link of `kind` as the org keeps it (a kind with no row yet: disabled, generation 1). */
export async function roomLink(ctx: PlanContext, state: RoomState, kind: LinkKind): Promise<LinkState> {
  return (await roomLinks(ctx, state)).get(kind) ?? initialLink(kind);
}

/** Records a planned change of a link in the room's copy. */
export async function setRoomLink(ctx: PlanContext, state: RoomState, link: LinkState): Promise<void> {
  (await roomLinks(ctx, state)).set(link.kind, link);
}
