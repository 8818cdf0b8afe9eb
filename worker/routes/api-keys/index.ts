import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env.ts";
import { registerCreateApiKey } from "./create.ts";
import { registerListApiKeys } from "./list.ts";
import { registerRevokeApiKey } from "./revoke.ts";

export function registerApiKeyRoutes(app: OpenAPIHono<AppEnv>): void {
  registerCreateApiKey(app);
  registerListApiKeys(app);
  registerRevokeApiKey(app);
}
