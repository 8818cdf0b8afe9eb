import { z } from "@hono/zod-openapi";
import type { ApiKey as ApiKeyRow } from "../../db/schema/index.ts";
import { scopes, type Scope } from "../domain/scopes.ts";

/** An API key as the API shows it: never the secret, except once at creation ({@link CreatedApiKey}). */
export const ApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().openapi({ description: "The secret's first characters, to recognize it" }),
    scopes: z.array(z.enum(scopes)),
    createdBy: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi("ApiKey");
export type ApiKeyView = z.infer<typeof ApiKey>;

/** A new key and its secret, shown in this answer only. */
export const CreatedApiKey = z.object({ apiKey: ApiKey, secret: z.string() });
export type CreatedApiKeyView = z.infer<typeof CreatedApiKey>;

export function apiKeyView(key: ApiKeyRow): ApiKeyView {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    // The column holds what the key was created with, which was parsed as scopes.
    scopes: key.scopes as Scope[],
    createdBy: key.createdBy,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}
