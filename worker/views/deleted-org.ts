import { z } from "@hono/zod-openapi";
import { deletedOrgExportDays } from "../domain/org-lifecycle.ts";

/** `DELETE /orgs/:org`'s answer: what was deleted, and until when its former owners may export its audit trail. */
export const DeletedOrg = z
  .object({
    id: z.string(),
    slug: z.string().openapi({ description: "Stays reserved: no new organization can take it" }),
    deletedAt: z.string(),
    auditExportUntil: z.string().openapi({ description: `The end of the ${deletedOrgExportDays} days in which the former owners may still export the audit trail` }),
  })
  .openapi("DeletedOrganization");
export type DeletedOrgView = z.infer<typeof DeletedOrg>;

export function deletedOrgView(org: { id: string; slug: string; deletedAt: Date }): DeletedOrgView {
  return {
    id: org.id,
    slug: org.slug,
    deletedAt: org.deletedAt.toISOString(),
    auditExportUntil: new Date(org.deletedAt.getTime() + deletedOrgExportDays * 86_400_000).toISOString(),
  };
}
