import { and, eq, isNull } from "drizzle-orm";
import { apiKeys } from "../../../db/schema/index.ts";
import { AppError } from "../../errors.ts";
import type { Actor } from "../actor.ts";
import { auditStatement } from "../audit.ts";
import type { RoomState } from "../state.ts";
import { requirePermission } from "./context.ts";
import type { PlanContext, RoomPlan } from "./plan-context.ts";

/** Revokes an API key: it stops working at once, and its live sockets close. */
export function planRevokeApiKey(ctx: PlanContext, state: RoomState, actor: Actor, keyId: string): RoomPlan<{ id: string }> {
  requirePermission(actor, "api_keys:manage");
  const hash = state.index.keyHash(keyId);
  if (!hash) throw new AppError("not_found", "No such API key.");
  state.index.dropKey(hash);
  return {
    statements: [
      ctx.db
        .update(apiKeys)
        .set({ revokedAt: new Date(ctx.now) })
        .where(and(eq(apiKeys.id, keyId), eq(apiKeys.orgId, state.org.id), isNull(apiKeys.revokedAt))),
      auditStatement(state.org.id, actor, ctx.now, { action: "api_key.revoked", targetType: "api_key", targetId: keyId }),
    ],
    value: { id: keyId },
    revokedKeys: [keyId],
  };
}
