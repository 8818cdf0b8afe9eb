/**
 * The organization's life cycle: active ⇄ dormant, then deleted (for good). Pure rules,
 * used by the room's commands and the routes.
 */

/** How long the former owners of a deleted organization may still export its audit trail. */
export const deletedOrgExportDays = 30;

const dayMs = 86_400_000;

/** What a deleted organization's row keeps of its deletion. */
export interface DeletedOrg {
  deletedAt: Date | null;
  deletedOwnerIds: string[] | null;
}

/**
 * Whether `userId` may still export the audit trail of a deleted organization at `now`:
 * they were one of its owners when it was deleted, and the export period has not ended.
 */
export function mayExportDeleted(org: DeletedOrg, userId: string, now: number): boolean {
  if (!org.deletedAt) return false;
  if (now >= org.deletedAt.getTime() + deletedOrgExportDays * dayMs) return false;
  return (org.deletedOwnerIds ?? []).includes(userId);
}

/**
 * The confirmation a deletion needs: the organization's slug, typed exactly — no trimming,
 * no case folding (which would also let look-alikes through, e.g. the Kelvin sign for `k`).
 */
export function confirmsDeletion(slug: string, confirm: string | undefined): boolean {
  return confirm === slug;
}
