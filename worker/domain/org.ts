/** An organization is active, or dormant: kept, but it takes nobody new (no invitation, no accept). */
export const orgStatuses = ["active", "dormant"] as const;
export type OrgStatus = (typeof orgStatuses)[number];

/** The longest organization name, in characters (after trimming). */
export const orgNameMaxLength = 100;
