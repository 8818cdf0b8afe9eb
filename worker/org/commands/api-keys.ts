import { and, eq, isNull } from "drizzle-orm";
import { apiKeys } from "../../../db/schema/index.ts";
import { randomToken, newId, sha256Hex } from "../../auth/tokens.ts";
import type { Scope } from "../../domain/scopes.ts";
import { AppError } from "../../errors.ts";
import type { Actor } from "../actor.ts";
import { auditInsert } from "../audit.ts";
import { requirePermission, type CommandContext } from "./context.ts";

/** An API key as the API shows it: never the secret, except once at creation. */
export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Characters of the secret kept visible to identify a key. */
const prefixLength = 11;

export async function createApiKey(
  ctx: CommandContext,
  actor: Actor,
  input: { name: string; scopes: Scope[] },
): Promise<{ apiKey: ApiKeyView; secret: string }> {
  requirePermission(actor, "api_keys:manage");
  if (actor.type !== "user") throw new AppError("forbidden", "API keys cannot create API keys.");
  const { db, state } = ctx;
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
  await db.batch([
    db.insert(apiKeys).values(row),
    auditInsert(db, state.org.id, actor, ctx.now, {
      action: "api_key.created",
      targetType: "api_key",
      targetId: id,
      data: { name: row.name, prefix: row.prefix, scopes: row.scopes },
    }),
  ]);
  state.keys.set(secretHash, { id, scopes: row.scopes, createdBy: actor.userId });
  return {
    apiKey: {
      id,
      name: row.name,
      prefix: row.prefix,
      scopes: row.scopes,
      createdBy: actor.userId,
      createdAt: row.createdAt.toISOString(),
      lastUsedAt: null,
      revokedAt: null,
    },
    secret,
  };
}

export async function revokeApiKey(ctx: CommandContext, actor: Actor, keyId: string): Promise<{ id: string }> {
  requirePermission(actor, "api_keys:manage");
  const { db, state } = ctx;
  const hash = [...state.keys].find(([, key]) => key.id === keyId)?.[0];
  if (!hash) throw new AppError("not_found", "No such API key.");
  await db.batch([
    db
      .update(apiKeys)
      .set({ revokedAt: new Date(ctx.now) })
      .where(and(eq(apiKeys.id, keyId), eq(apiKeys.orgId, state.org.id), isNull(apiKeys.revokedAt))),
    auditInsert(db, state.org.id, actor, ctx.now, { action: "api_key.revoked", targetType: "api_key", targetId: keyId }),
  ]);
  state.keys.delete(hash);
  return { id: keyId };
}
