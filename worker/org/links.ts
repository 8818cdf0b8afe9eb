import { eq } from "drizzle-orm";
import { orgLinks } from "../../db/schema/index.ts";
import { initialLink, linkKinds, type LinkKind, type LinkState } from "../domain/links.ts";
import type { PlanContext } from "./commands/plan-context.ts";
import type { RoomState } from "./state.ts";

/**
 * The organization's self-registration links as its room knows them (`state.links`). They are
 * read once per loaded state (on the first link command) and kept in it: a state that is
 * reloaded reads them again, and a failed commit's changes to them are taken back with the
 * rest of its changes (command-runner.ts, the journal's marks).
 */
export async function roomLinks(ctx: PlanContext, state: RoomState): Promise<Map<LinkKind, LinkState>> {
  let links = state.links;
  if (!links) {
    const rows = await ctx.read().select().from(orgLinks).where(eq(orgLinks.orgId, state.org.id));
    links = new Map(linkKinds.map((kind) => [kind, initialLink(kind)]));
    for (const row of rows) links.set(row.kind, { kind: row.kind, enabled: row.enabled, generation: row.generation, tag: row.tag, rotatedAt: row.rotatedAt });
    state.links = links;
  }
  return links;
}

/** The link of `kind` as the org keeps it (a kind with no row yet: disabled, generation 1). */
export async function roomLink(ctx: PlanContext, state: RoomState, kind: LinkKind): Promise<LinkState> {
  return (await roomLinks(ctx, state)).get(kind) ?? initialLink(kind);
}

/** Records a planned change of a link in the room's copy (a new map: a journal's mark keeps the old one). */
export async function setRoomLink(ctx: PlanContext, state: RoomState, link: LinkState): Promise<void> {
  state.links = new Map(await roomLinks(ctx, state)).set(link.kind, link);
}
