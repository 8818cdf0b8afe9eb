import { z } from "@hono/zod-openapi";
import type { Organization } from "../../db/schema/index.ts";
import { orgStatuses } from "../domain/org.ts";
import { Seats } from "./seats.ts";

/** An organization as the API shows it (`GET /orgs/:org`'s `org`, `org.updated`'s data). */
export const Org = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    plan: z.string(),
    seatLimit: z.number().int(),
    status: z.enum(orgStatuses),
    autoPrivateProject: z.boolean(),
    allowedEmailDomains: z.array(z.string()),
    defaultInviteTtlDays: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Organization");
export type OrgView = z.infer<typeof Org>;

/** `POST /orgs`, `PATCH /orgs/:org` (and, with the caller's role, `GET /orgs/:org`). */
export const OrgWithSeats = z.object({ org: Org, seats: Seats }).openapi("OrganizationWithSeats");
export type OrgWithSeatsView = z.infer<typeof OrgWithSeats>;

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
