import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { desc } from "drizzle-orm";
import { auditEvents } from "../../../db/schema/index.ts";
import { deletedOrgExportDays } from "../../domain/org-lifecycle.ts";
import { orgAccessOrFormerOwner } from "../../middleware/former-owner.ts";
import type { AppEnv } from "../../env.ts";
import { orgDatabase } from "../../lib/database.ts";
import { auditEventView, type AuditEventView } from "../../views/audit-event.ts";
import { auditFilterFields, auditFilters, rangeIsOrdered } from "./filters.ts";
import { errors, OrgParams, orgSecurity } from "../schemas.ts";

/** Rows read per query: the export holds at most one chunk in memory. */
export const auditExportChunk = 500;

const Query = z
  .object({
    format: z.enum(["csv", "json"]).default("csv").openapi({ description: "`csv` (RFC 4180, with a header row) or `json` (one JSON array)" }),
    ...auditFilterFields,
  })
  .refine(rangeIsOrdered, { path: ["until"], message: "Must be after the start." });

const csvColumns = ["id", "at", "actorType", "actorId", "action", "targetType", "targetId", "data"] as const;

const route = createRoute({
  method: "get",
  path: "/api/v1/orgs/{org}/audit/export",
  operationId: "exportAuditEvents",
  tags: ["audit"],
  summary: "The whole audit trail as a CSV or JSON download, newest first, with the list's filters",
  description:
    "Streams every event that matches the filters (the same as GET /orgs/{org}/audit), newest first, as an attachment " +
    "(`Content-Disposition: attachment; filename=\"<slug>-audit-<YYYY-MM-DD>.<csv|json>\"`). " +
    "`format=csv`: RFC 4180 (CRLF line ends, fields with a comma, quote or line break quoted, quotes doubled), a header row " +
    `(${csvColumns.join(", ")}), \`data\` as JSON; a cell that starts with \`=\`, \`+\`, \`-\`, \`@\`, tab or carriage return ` +
    "is prefixed with `'` so spreadsheets do not run it as a formula. " +
    "`format=json`: one JSON array of AuditEvent objects (not NDJSON). " +
    "The server reads the trail in chunks of 500 events, so any size of trail exports in constant memory; " +
    "an error after the first byte ends the download early (the file is then incomplete). " +
    `After the organization was deleted, the owners of that moment may still export it for ${deletedOrgExportDays} days` + " (their session cookie; everyone else gets 409 `org_unavailable`).",
  security: orgSecurity,
  // A deleted organization's former owners may still export its trail for a while (domain/org-lifecycle.ts).
  middleware: [orgAccessOrFormerOwner("audit:read")] as const,
  request: { params: OrgParams, query: Query },
  responses: {
    200: {
      description: "The trail, as a file",
      headers: z.object({ "Content-Disposition": z.string().openapi({ example: 'attachment; filename="acme-audit-2026-12-03.csv"' }) }),
      content: {
        "text/csv": { schema: z.string().openapi({ example: "id,at,actorType,actorId,action,targetType,targetId,data\r\n" }) },
        "application/json": { schema: z.array(z.object({}).passthrough()).openapi({ description: "AuditEvent objects, as in GET /orgs/{org}/audit" }) },
      },
    },
    ...errors(400, 401, 403, 404, 409),
  },
});

/** One CSV field: quoted when it must be (RFC 4180), formula-like text neutralised. */
export function csvField(value: string | number | null): string {
  if (value === null) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvRow(e: AuditEventView): string {
  return [e.id, e.at, e.actorType, e.actorId, e.action, e.targetType, e.targetId, JSON.stringify(e.data)].map(csvField).join(",") + "\r\n";
}

export function registerExportAudit(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { format, ...filters } = c.req.valid("query");
    const org = c.var.org;
    const db = orgDatabase(c.env, org.id);
    const encoder = new TextEncoder();
    let cursor: number | undefined;
    let first = true;
    let done = false;
    const body = new ReadableStream<Uint8Array>(
      {
        start(controller) {
          controller.enqueue(encoder.encode(format === "csv" ? csvColumns.join(",") + "\r\n" : "["));
        },
        // One chunk of rows per pull: the stream asks for more only as the client reads.
        async pull(controller) {
          if (done) return;
          const rows = await db
            .select()
            .from(auditEvents)
            .where(auditFilters(db, org.id, { ...filters, cursor }))
            .orderBy(desc(auditEvents.id))
            .limit(auditExportChunk);
          let text = "";
          for (const row of rows) {
            const view = auditEventView(row);
            if (format === "csv") text += csvRow(view);
            else {
              text += (first ? "" : ",") + "\n" + JSON.stringify(view);
              first = false;
            }
          }
          cursor = rows.at(-1)?.id;
          if (rows.length < auditExportChunk) {
            done = true;
            if (format === "json") text += "\n]\n";
          }
          if (text) controller.enqueue(encoder.encode(text));
          if (done) controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    const day = new Date().toISOString().slice(0, 10);
    return c.body(body, 200, {
      "Content-Type": format === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8",
      "Content-Disposition": `attachment; filename="${org.slug}-audit-${day}.${format}"`,
      "Cache-Control": "no-store",
    });
  });
}
