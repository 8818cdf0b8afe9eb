/** An organization as the API shows it (`GET /orgs/:org`'s `org`, `org.updated`'s data). */
export interface OrgView {
  id: string;
  slug: string;
  name: string;
  plan: string;
  seatLimit: number;
  status: "active" | "dormant";
  autoPrivateProject: boolean;
  allowedEmailDomains: string[];
  defaultInviteTtlDays: number;
  createdAt: string;
  updatedAt: string;
}
