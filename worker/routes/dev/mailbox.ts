import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { desc, eq } from "drizzle-orm";
import { devMail } from "../../../db/schema/index.ts";
import type { AppEnv } from "../../env.ts";
import { userDatabase } from "../../lib/database.ts";
import { devOnly } from "../../middleware/dev-only.ts";
import { DevMailbox, devMailView } from "../../views/dev-mail.ts";
import { errors, json } from "../schemas.ts";

const route = createRoute({
  operationId: "getDevMailbox",
  security: [],
  method: "get",
  path: "/api/v1/dev/mailbox",
  tags: ["dev"],
  summary: "Mail sent locally, newest first (local development only)",
  description:
    "Exists only in explicit local development without a Resend key, and answers only requests addressed to a loopback host or to `APP_URL`'s host (no DNS rebinding); otherwise 404.",
  request: { query: z.object({ to: z.string().trim().toLowerCase().max(254).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }) },
  responses: { 200: json(DevMailbox, "The messages"), ...errors(404) },
});

export function registerDevMailbox(app: OpenAPIHono<AppEnv>): void {
  app.use("/api/v1/dev/*", devOnly);
  app.openapi(route, async (c) => {
    const { to, limit } = c.req.valid("query");
    const rows = await userDatabase(c.env)
      .select()
      .from(devMail)
      .where(to ? eq(devMail.to, to) : undefined)
      .orderBy(desc(devMail.seq))
      .limit(limit);
    return c.json({ messages: rows.map(devMailView) }, 200);
  });
}
