/** An organization is active, or dormant: kept, but it takes nobody new (no invitation, no accept). */
export const orgStatuses = ["active", "dormant"] as const;
export type OrgStatus = (typeof orgStatuses)[number];

/** The longest organization name, in characters (after trimming). */
export const orgNameMaxLength = 100;

/** An organization as the API shows it (`GET /orgs/:org`'s `org`, `org.updated`'s data). */
export interface OrgView {
  id: string;
  slug: string;
  name: string;
  plan: string;
  seatLimit: number;
  status: OrgStatus;
  autoPrivateProject: boolean;
  allowedEmailDomains: string[];
  defaultInviteTtlDays: number;
  createdAt: string;
  updatedAt: string;
}
