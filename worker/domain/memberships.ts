/** How a member joined an organization. */
export const joinedVia = ["created", "invitation", "link", "api"] as const;
export type JoinedVia = (typeof joinedVia)[number];
