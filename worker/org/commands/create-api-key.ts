import { apiKeys } from "../../../db/schema/index.ts";
import { sha256Hex } from "../../lib/hash.ts";
import { newId, randomToken } from "../../lib/ids.ts";
import type { Scope } from "../../domain/scopes.ts";
import { AppError } from "../../errors.ts";
import type { Actor } from "../actor.ts";
import { auditStatement } from "../audit.ts";
import type { RoomState } from "../state.ts";
import { apiKeyView, type CreatedApiKeyView } from "../../views/api-key.ts";
import { requirePermission } from "./context.ts";
import type { PlanContext, RoomPlan } from "./plan-context.ts";

/** Characters of the secret kept visible to identify a key. */
const prefixLength = 11;

/** A new API key of the calling owner; its secret is answered once and stored only hashed. */
export async function planCreateApiKey(
  ctx: PlanContext,
  state: RoomState,
  actor: Actor,
  input: { name: string; scopes: Scope[] },
): Promise<RoomPlan<CreatedApiKeyView>> {
  requirePermission(actor, "api_keys:manage");
  if (actor.type !== "user") throw new AppError("forbidden", "API keys cannot create API keys.");
  const secret = `rk_${randomToken(30)}`;
  const secretHash = await sha256Hex(secret);
  const id = newId("key", ctx.now);
  const row = {
    id,
    orgId: state.org.id,
    name: input.name,
    prefix: secret.slice(0, prefixLength),
    secretHash,
    scopes: [...new Set(input.scopes)],
    createdBy: actor.userId,
    createdAt: new Date(ctx.now),
  };
  state.index.putKey(secretHash, { id, scopes: row.scopes, createdBy: actor.userId });
  return {
    statements: [
      ctx.db.insert(apiKeys).values(row),
      auditStatement(state.org.id, actor, ctx.now, {
        action: "api_key.created",
        targetType: "api_key",
        targetId: id,
        data: { name: row.name, prefix: row.prefix, scopes: row.scopes },
      }),
    ],
    value: { apiKey: apiKeyView({ ...row, lastUsedAt: null, revokedAt: null }), secret },
  };
}
