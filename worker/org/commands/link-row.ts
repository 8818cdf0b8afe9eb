import { orgLinks } from "../../../db/schema/index.ts";
import type { LinkState } from "../../domain/links.ts";
import type { Statement } from "../../lib/sql/statement.ts";
import type { PlanContext } from "./plan-context.ts";

/** Writes a link's state: its row is created on its first change (rows are made lazily). */
export function linkUpsert(ctx: PlanContext, orgId: string, link: LinkState & { tag: string; rotatedAt: Date }): Statement {
  const at = new Date(ctx.now);
  const values = { enabled: link.enabled, generation: link.generation, tag: link.tag, rotatedAt: link.rotatedAt, updatedAt: at };
  return ctx.db
    .insert(orgLinks)
    .values({ orgId, kind: link.kind, ...values })
    .onConflictDoUpdate({ target: [orgLinks.orgId, orgLinks.kind], set: values });
}
