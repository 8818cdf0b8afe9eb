import type { Organization } from "../../db/schema/index.ts";
import type { OrgView } from "../domain/org.ts";

export type { OrgView };

/** An organization as the API shows it (`GET /orgs/:org`'s `org`, `org.updated`'s data). */
export function orgView(org: Organization): OrgView {
  return {
    id: org.id,
    slug: org.slug,
    name: org.name,
    plan: org.plan,
    seatLimit: org.seatLimit,
    status: org.status,
    autoPrivateProject: org.autoPrivateProject,
    allowedEmailDomains: org.allowedEmailDomains,
    defaultInviteTtlDays: org.defaultInviteTtlDays,
    createdAt: org.createdAt.toISOString(),
    updatedAt: org.updatedAt.toISOString(),
  };
}
