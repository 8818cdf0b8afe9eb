import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { isLocalDev, type AppEnv, type Bindings } from "../../env.ts";
import { AppError } from "../../errors.ts";
import { userDatabase } from "../../lib/database.ts";
import { databaseUnavailable } from "../../lib/database-errors.ts";
import { mailerFor } from "../../mail/mailer.ts";
import { ErrorResponse } from "../../views/error.ts";
import { Health } from "../../views/health.ts";

/** How long the health check waits for the database before calling it unreachable. */
const databaseTimeoutMs = 3000;

const route = createRoute({
  operationId: "getHealth",
  security: [],
  method: "get",
  path: "/api/health",
  tags: ["health"],
  summary: "Liveness and database reachability",
  responses: {
    200: { description: "Roster and its database are up", content: { "application/json": { schema: Health } } },
    503: { description: "The database is unreachable (`database_unavailable`)", content: { "application/json": { schema: ErrorResponse } } },
  },
});

async function pingDatabase(env: Bindings): Promise<number> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${databaseTimeoutMs} ms`)), databaseTimeoutMs);
  });
  try {
    await Promise.race([userDatabase(env).run(sql`SELECT 1`), timeout]);
  } finally {
    clearTimeout(timer);
  }
  return Math.round((performance.now() - started) * 10) / 10;
}

export function registerHealth(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    let latencyMs: number;
    try {
      latencyMs = await pingDatabase(c.env);
    } catch (error) {
      if (error instanceof AppError) throw error;
      console.warn("[roster] health: database unreachable:", error instanceof Error ? error.message : error);
      throw databaseUnavailable("The database is unreachable.");
    }
    return c.json(
      {
        status: "ok" as const,
        database: { reachable: true as const, latencyMs },
        mail: mailerFor(c.env).kind,
        localDev: isLocalDev(c.env),
        time: new Date(c.var.clock.now()).toISOString(),
      },
      200,
    );
  });
}
