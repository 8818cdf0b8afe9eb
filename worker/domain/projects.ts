/** A member's role in one project of an organization (beside their organization role). */
export const projectRoles = ["owner", "admin", "use", "viewer"] as const;
export type ProjectRole = (typeof projectRoles)[number];

/** A project's visibility within its organization. */
export const projectVisibilities = ["public", "private"] as const;
