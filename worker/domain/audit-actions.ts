/**
 * The actions the audit trail records, by family, with the words the dashboard shows for
 * them. `test/unit/audit-actions.test.ts` checks that every action the Worker writes is here.
 */
export const auditActions = {
  org: {
    label: "Organization",
    actions: {
      "org.created": "created the organization",
      "org.updated": "changed the settings",
      "org.seat_limit_changed": "changed the seat limit",
      "org.ownership_transferred": "transferred ownership",
      "org.dormant": "made the organization dormant",
      "org.woken": "made the organization active again",
      "org.deleted": "deleted the organization",
    },
  },
  member: {
    label: "Members",
    actions: {
      "member.joined": "joined",
      "member.role_changed": "changed a role",
      "member.updated": "changed a member",
      "member.removed": "removed a member",
      "member.left": "left",
    },
  },
  invitation: {
    label: "Invitations",
    actions: {
      "invitation.created": "invited",
      "invitation.accepted": "accepted an invitation",
      "invitation.declined": "declined an invitation",
      "invitation.resent": "resent an invitation",
      "invitation.link_renewed": "made a new invitation link",
      "invitation.extended": "extended an invitation",
      "invitation.edited": "edited an invitation",
      "invitation.revoked": "revoked an invitation",
      "invitation.deleted": "deleted an invitation",
      "invitation.expired": "expired an invitation",
    },
  },
  link: {
    label: "Self-registration links",
    actions: {
      "link.enabled": "enabled a self-registration link",
      "link.disabled": "disabled a self-registration link",
      "link.regenerated": "regenerated a self-registration link",
    },
  },
  api_key: {
    label: "API keys",
    actions: {
      "api_key.created": "created an API key",
      "api_key.revoked": "revoked an API key",
    },
  },
  project: {
    label: "Projects",
    actions: {
      "project.created": "created a project",
      "project.renamed": "renamed a project",
      "project.updated": "changed a project",
      "project.deleted": "deleted a project",
      "project.members_assigned": "assigned members to projects",
      "project.member_removed": "removed a member from a project",
    },
  },
} as const;

export type AuditFamily = keyof typeof auditActions;
export type AuditAction = { [F in AuditFamily]: keyof (typeof auditActions)[F]["actions"] }[AuditFamily];

/** Every recorded action, grouped as `auditActions` lists them. */
export const auditActionNames: readonly AuditAction[] = Object.values(auditActions).flatMap((family) => Object.keys(family.actions) as AuditAction[]);

/**
 * What an audit filter's `action` may be: one action (`member.removed`) or a whole family
 * (`member`, for every `member.*`).
 */
export const auditActionFilterShape = /^[a-z_]{1,32}(\.[a-z_]{1,48})?$/;

/** The words for `action` ("removed a member"); the action itself when it is not known. */
export function describeAuditAction(action: string): string {
  const family = action.split(".")[0] ?? "";
  if (!Object.hasOwn(auditActions, family)) return action;
  const actions: Record<string, string> = auditActions[family as AuditFamily].actions;
  return Object.hasOwn(actions, action) ? (actions[action] as string) : action;
}
