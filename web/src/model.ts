// The API's own types, shared with the Worker (pure modules, type-only imports).
import type { OrgView as Org } from "../../worker/views/org.ts";
import type { SeatsView as Seats } from "../../worker/views/seats.ts";

/**
 * The API's shapes as the dashboard reads them (worker/routes/schemas.ts, me/get.ts).
 * Declared here because the dashboard's tsconfig does not see the Worker's files.
 */
export type Role = "owner" | "admin" | "member" | "restricted";

export interface User {
  id: string;
  email: string;
  username: string | null;
  name: string;
  emailVerified: boolean;
  createdAt: string;
}

export interface Membership {
  org: { id: string; slug: string; name: string };
  role: Role;
  joinedAt: string;
}

/** `GET /api/v1/me`. */
export interface Me {
  user: User;
  memberships: Membership[];
  invitations: Array<{ id: string; org: { slug: string; name: string }; role: Role; expiresAt: string }>;
  notifications: Array<{ id: string; type: string; data: Record<string, unknown>; createdAt: string; read: boolean }>;
}



/** `GET /api/v1/orgs/:org` and `POST /api/v1/orgs`. */
export interface OrgWithSeats {
  org: Org;
  seats: Seats;
}

/** One message of `GET /api/v1/dev/mailbox`. */
export interface DevMail {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  createdAt: string;
}

export const roleLabel: Record<Role, string> = { owner: "Owner", admin: "Admin", member: "Member", restricted: "Restricted" };
