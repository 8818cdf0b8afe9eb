import { z } from "@hono/zod-openapi";
import type { AuditEvent as AuditEventRow } from "../../db/schema/index.ts";
import { actorTypes } from "../domain/audit.ts";

/** One event of an organization's audit trail. */
export const AuditEvent = z
  .object({
    id: z.number().int(),
    at: z.string(),
    actorType: z.enum(actorTypes),
    actorId: z.string().nullable(),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
  })
  .openapi("AuditEvent");
export type AuditEventView = z.infer<typeof AuditEvent>;

export function auditEventView(e: AuditEventRow): AuditEventView {
  return {
    id: e.id,
    actorType: e.actorType,
    actorId: e.actorId,
    action: e.action,
    targetType: e.targetType,
    targetId: e.targetId,
    data: e.data,
    at: e.at.toISOString(),
  };
}

/** How a person reads an id that an event names: a member, an API key, an invitation. */
export const AuditName = z
  .object({
    name: z.string().openapi({ description: "A member's name (or email), an API key's name, an invitation's invitee" }),
    detail: z.string().nullable().openapi({ description: "A member's email, an API key's prefix; null otherwise" }),
  })
  .openapi("AuditName");
export type AuditNameView = z.infer<typeof AuditName>;

/** `GET /orgs/:org/audit`: a page of the trail, newest first. */
export const AuditPage = z
  .object({
    events: z.array(AuditEvent),
    nextCursor: z.number().int().nullable(),
    names: z.record(z.string(), AuditName).openapi({
      description:
        "The actors and targets of these events that are still known, by id: current members, API keys (revoked ones too), invitations. An id missing here is a former member.",
    }),
  })
  .openapi("AuditPage");
export type AuditPageView = z.infer<typeof AuditPage>;
