import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env.ts";
import { registerBulkRemoveMembers } from "./bulk-remove.ts";
import { registerListMembers } from "./list.ts";
import { registerRemoveMember } from "./remove.ts";
import { registerTransferOwnership } from "./transfer-ownership.ts";
import { registerUpdateMember } from "./update.ts";

export function registerMemberRoutes(app: OpenAPIHono<AppEnv>): void {
  registerListMembers(app);
  // bulk-remove before /{userId} routes: the literal path must win.
  registerBulkRemoveMembers(app);
  registerUpdateMember(app);
  registerRemoveMember(app);
  registerTransferOwnership(app);
}
