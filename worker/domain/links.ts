/** The two self-registration links of an organization: register and join, or sign in and join. */
export const linkKinds = ["new", "existing"] as const;
export type LinkKind = (typeof linkKinds)[number];

/** The role everyone who joins through a link gets. */
export const linkJoinRole = "restricted" as const;
