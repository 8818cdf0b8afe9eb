import { eq } from "drizzle-orm";
import { organizations, userMemberships, type Organization } from "../../../db/schema/index.ts";
import { AppError } from "../../errors.ts";
import type { Actor } from "../actor.ts";
import { auditInsert } from "../audit.ts";
import { requirePermission, type CommandContext } from "./context.ts";

export interface OrgPatch {
  name?: string;
  seatLimit?: number;
  autoPrivateProject?: boolean;
  allowedEmailDomains?: string[];
  defaultInviteTtlDays?: number;
  status?: "active" | "dormant";
}

/**
 * Changes the organization's name and settings (owners), and its seat limit (owners: the
 * stand-in for billing). Lowering the limit below the seats in use removes nobody. Until
 * billing exists an owner may raise the limit up to `seatLimitCap`, which only the
 * operator's configuration raises; a limit already above it can still be lowered.
 */
export async function updateOrg(ctx: CommandContext, actor: Actor, patch: OrgPatch, seatLimitCap: number): Promise<Organization> {
  const { seatLimit, ...settings } = patch;
  if (seatLimit !== undefined) requirePermission(actor, "seats:update");
  if (Object.keys(settings).length > 0) requirePermission(actor, "org:update");
  const { db, state } = ctx;
  const before = state.org;
  if (seatLimit !== undefined && seatLimit > seatLimitCap && seatLimit > before.seatLimit) {
    throw new AppError("seat_limit_cap", `Without billing, an organization can have at most ${seatLimitCap} seats; ask the operator to raise the cap.`, { cap: seatLimitCap });
  }
  const changed = Object.fromEntries(
    Object.entries(patch).filter(([key, value]) => JSON.stringify(before[key as keyof Organization]) !== JSON.stringify(value)),
  );
  if (Object.keys(changed).length === 0) return before;

  const [rows] = await db.batch([
    db.update(organizations).set({ ...patch, updatedAt: new Date(ctx.now) }).where(eq(organizations.id, before.id)).returning(),
    db.update(userMemberships).set({ orgName: patch.name ?? before.name }).where(eq(userMemberships.orgId, before.id)),
    auditInsert(db, before.id, actor, ctx.now, {
      action: seatLimit !== undefined && Object.keys(changed).length === 1 ? "org.seat_limit_changed" : "org.updated",
      targetType: "org",
      targetId: before.id,
      data: {
        changes: Object.fromEntries(
          Object.keys(changed).map((key) => [key, { from: before[key as keyof Organization], to: changed[key] }]),
        ),
      },
    }),
  ]);
  const org = rows[0] ?? before;
  state.org = org;
  return org;
}
