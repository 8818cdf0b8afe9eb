import { scopes, type Scope } from "../../../worker/domain/scopes.ts";

/** What each API key scope lets a key do, in the words the API keys page shows. */
export const scopeDescriptions: Record<Scope, string> = {
  "org:read": "Read the organization and its seats",
  "members:read": "List and search members",
  "members:write": "Change and remove members (includes reading them)",
  "invitations:read": "List invitations",
  "invitations:write": "Invite, resend, extend and revoke (includes reading them)",
  "audit:read": "Read the audit trail",
  "projects:read": "List projects and their members",
  "projects:write": "Create, change and delete projects, assign members (includes reading them)",
};

export { scopes, type Scope };
