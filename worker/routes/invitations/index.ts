import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env.ts";
import { registerInvitationActions } from "./actions.ts";
import { registerBulkInvitations } from "./bulk.ts";
import { registerCreateInvitation } from "./create.ts";
import { registerListInvitations } from "./list.ts";
import { registerInvitationPreview } from "./preview.ts";
import { registerRespondToInvitation } from "./respond.ts";
import { registerUpdateInvitation } from "./update.ts";

export function registerInvitationRoutes(app: OpenAPIHono<AppEnv>): void {
  registerListInvitations(app);
  // The literal /bulk before /{id} routes.
  registerBulkInvitations(app);
  registerCreateInvitation(app);
  registerUpdateInvitation(app);
  registerInvitationActions(app);
  registerInvitationPreview(app);
  registerRespondToInvitation(app);
}
