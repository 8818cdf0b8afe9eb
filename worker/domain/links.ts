/** The two self-registration links of an organization: register and join, or sign in and join. */
export const linkKinds = ["new", "existing"] as const;
export type LinkKind = (typeof linkKinds)[number];

/** The role everyone who joins through a link gets. */
export const linkJoinRole = "restricted" as const;

/** A link generation's tag: the UTC date it was generated, `YYYY-MM-DD`. */
export function linkTagOn(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** A link's state as the organization keeps it (a kind with no row yet: disabled, generation 1, no tag). */
export interface LinkState {
  kind: LinkKind;
  enabled: boolean;
  generation: number;
  tag: string | null;
  rotatedAt: Date | null;
}

/** The state of a kind that has no row yet: created lazily, on its first change. */
export function initialLink(kind: LinkKind): LinkState {
  return { kind, enabled: false, generation: 1, tag: null, rotatedAt: null };
}
