import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env.ts";
import { registerBulkInvitations } from "./bulk.ts";
import { registerCreateInvitation } from "./create.ts";
import { registerDeleteInvitation } from "./delete.ts";
import { registerExtendInvitation } from "./extend.ts";
import { registerInvitationFunnel } from "./funnel.ts";
import { registerListInvitations } from "./list.ts";
import { registerNewInvitationLink } from "./new-link.ts";
import { registerInvitationPreview } from "./preview.ts";
import { registerResendInvitation } from "./resend.ts";
import { registerRespondToInvitation } from "./respond.ts";
import { registerRevokeInvitation } from "./revoke.ts";
import { registerUpdateInvitation } from "./update.ts";

export function registerInvitationRoutes(app: OpenAPIHono<AppEnv>): void {
  registerListInvitations(app);
  // The literal /bulk and /funnel before /{id} routes.
  registerBulkInvitations(app);
  registerInvitationFunnel(app);
  registerCreateInvitation(app);
  registerUpdateInvitation(app);
  registerResendInvitation(app);
  registerNewInvitationLink(app);
  registerExtendInvitation(app);
  registerRevokeInvitation(app);
  registerDeleteInvitation(app);
  registerInvitationPreview(app);
  registerRespondToInvitation(app);
}
