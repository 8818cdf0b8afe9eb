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
