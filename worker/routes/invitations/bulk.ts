import { appUrl } from "../../lib/request.ts";
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { maxBulkRows } from "../../domain/invitations.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import type { AppEnv } from "../../env.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";
import { resolveInvitees } from "./invitee.ts";
import { BulkInvitationResults } from "../../views/invitation.ts";
import { InvitationInput } from "./schemas.ts";

const BulkInput = z.object({ invitations: z.array(InvitationInput).min(1).max(maxBulkRows) }).openapi("BulkInvitations");

const route = createRoute({
  operationId: "bulkCreateInvitations",
  method: "post",
  path: "/api/v1/orgs/{org}/invitations/bulk",
  tags: ["invitations"],
  summary: `Invite up to ${maxBulkRows} people at once, with a result per row`,
  description:
    "Rows are taken in order; seats are allocated until they run out (later rows get `seats_exhausted`). Rows commit together in a few transactions. A row's failure never fails the others.",
  security: orgSecurity,
  middleware: [orgAccess("invitations:write")] as const,
  request: { params: OrgParams, body: { ...json(BulkInput), required: true } },
  responses: {
    200: json(BulkInvitationResults, "A result per row"),
    ...errors(400, 401, 403, 404),
  },
});

export function registerBulkInvitations(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const rows = c.req.valid("json").invitations;
    const invitees = await resolveInvitees(c.env, rows.map((r) => r.invitee));
    const inputs = rows.map((row, i) => {
      const invitee = invitees[i];
      if (!invitee || invitee instanceof Error) return { error: { code: invitee?.code ?? "user_not_found", message: invitee?.message ?? "Unknown invitee." } };
      return { ...invitee, role: row.role, projects: row.projects, message: row.message ?? null, expiresInDays: row.expiresInDays ?? null, mail: row.mail, welcomeEmail: row.welcomeEmail };
    });
    const outcomes = unwrap(await orgRoom(c.env, c.var.org.id).inviteBulk(c.var.org.id, c.var.actor, inputs, appUrl(c)));
    const results = outcomes.map((outcome, row) => ("error" in outcome ? { row, ok: false, error: outcome.error } : { row, ok: true, ...outcome }));
    const created = results.filter((r) => r.ok).length;
    return c.json({ results, created, failed: results.length - created }, 200);
  });
}
