import { eq } from "drizzle-orm";
import { organizations, userMemberships, type Organization } from "../../../db/schema/index.ts";
import type { OrgStatus } from "../../domain/org.ts";
import { AppError } from "../../errors.ts";
import type { Actor } from "../actor.ts";
import { auditStatement } from "../audit.ts";
import type { RoomState } from "../state.ts";
import { orgView, type OrgView } from "../../views/org.ts";
import { requirePermission } from "./context.ts";
import type { PlanContext, RoomPlan } from "./plan-context.ts";

export interface OrgPatch {
  name?: string;
  seatLimit?: number;
  autoPrivateProject?: boolean;
  allowedEmailDomains?: string[];
  defaultInviteTtlDays?: number;
  status?: OrgStatus;
}

/** The audit action of a settings change other than the status: a change of the seat limit alone has its own. */
function actionOf(changed: Record<string, unknown>): string {
  const keys = Object.keys(changed);
  if (keys.length === 1 && keys[0] === "seatLimit") return "org.seat_limit_changed";
  return "org.updated";
}

/**
 * Changes the organization's name and settings (owners), and its seat limit (owners: the
 * stand-in for billing). Lowering the limit below the seats in use removes nobody. Until
 * billing exists an owner may raise the limit up to the deployment's cap, which only the
 * operator's configuration raises; a limit already above it can still be lowered. A patch
 * that changes nothing writes, audits and publishes nothing.
 */
export function planUpdateOrg(ctx: PlanContext, state: RoomState, actor: Actor, patch: OrgPatch): RoomPlan<OrgView> {
  const { seatLimit, ...settings } = patch;
  if (seatLimit !== undefined) requirePermission(actor, "seats:update");
  if (Object.keys(settings).length > 0) requirePermission(actor, "org:update");
  const before = state.org;
  if (seatLimit !== undefined && seatLimit > ctx.seatLimitCap && seatLimit > before.seatLimit) {
    throw new AppError("seat_limit_cap", `Without billing, an organization can have at most ${ctx.seatLimitCap} seats; ask the operator to raise the cap.`, {
      cap: ctx.seatLimitCap,
    });
  }
  const changed = Object.fromEntries(
    Object.entries(patch).filter(([key, value]) => JSON.stringify(before[key as keyof Organization]) !== JSON.stringify(value)),
  );
  if (Object.keys(changed).length === 0) return { statements: [], value: orgView(before) };

  const updatedAt = new Date(ctx.now);
  const org: Organization = { ...before, ...patch, updatedAt };
  state.org = org;
  const view = orgView(org);
  // A change of the status is audited as POST …/dormant and …/wake audit it (org-status.ts),
  // whatever else the patch changes; the other fields get their own entry beside it.
  const { status: statusChange, ...others } = changed;
  const changesOf = (keys: string[]) => Object.fromEntries(keys.map((key) => [key, { from: before[key as keyof Organization], to: changed[key] }]));
  const audits = [
    ...(Object.keys(others).length > 0
      ? [auditStatement(before.id, actor, ctx.now, { action: actionOf(others), targetType: "org", targetId: before.id, data: { changes: changesOf(Object.keys(others)) } })]
      : []),
    ...(statusChange !== undefined
      ? [
          auditStatement(before.id, actor, ctx.now, {
            action: statusChange === "dormant" ? "org.dormant" : "org.woken",
            targetType: "org",
            targetId: before.id,
            data: { changes: changesOf(["status"]) },
          }),
        ]
      : []),
  ];
  return {
    statements: [
      ctx.db.update(organizations).set({ ...patch, updatedAt }).where(eq(organizations.id, before.id)),
      ctx.db.update(userMemberships).set({ orgName: org.name }).where(eq(userMemberships.orgId, before.id)),
      ...audits,
    ],
    value: view,
    events: [{ type: "org.updated", data: { org: view } }],
    seatsChanged: org.seatLimit !== before.seatLimit,
  };
}
