import { auditEvents } from "../../db/schema/index.ts";
import type { Database } from "../lib/database.ts";
import { rowInsert, type RawStatement } from "../lib/sql/row-insert.ts";
import { actorId, type Actor } from "./actor.ts";

export interface AuditEntry {
  action: string;
  targetType: string;
  targetId: string | null;
  data?: Record<string, unknown>;
}

function auditRow(orgId: string, actor: Actor | null, at: number, entry: AuditEntry): typeof auditEvents.$inferInsert {
  return {
    orgId,
    actorType: actor ? actor.type : "system",
    actorId: actor ? actorId(actor) : null,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    data: entry.data ?? {},
    at: new Date(at),
  };
}

/** The insert of an audit event, to run in the same batch as the change it records. */
export function auditInsert(db: Database, orgId: string, actor: Actor | null, at: number, entry: AuditEntry) {
  return db.insert(auditEvents).values(auditRow(orgId, actor, at, entry));
}

/** The same insert as a raw statement, for a planned command's group transaction. */
export function auditStatement(orgId: string, actor: Actor | null, at: number, entry: AuditEntry): RawStatement {
  return rowInsert(auditEvents, auditRow(orgId, actor, at, entry));
}
