import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq, isNull } from "drizzle-orm";
import { sessions, userMemberships } from "../../../db/schema/index.ts";
import { clearSessionCookie } from "../../auth/credentials.ts";
import type { AppEnv } from "../../env.ts";
import { userDatabase } from "../../lib/database.ts";
import { orgRoom } from "../../org/room-client.ts";
import { errors } from "../schemas.ts";

const route = createRoute({
  operationId: "logout",
  security: [],
  method: "post",
  path: "/api/v1/auth/logout",
  tags: ["auth"],
  summary: "Sign out",
  description: "Ends the server-side session at once (every organization refuses it from then on) and clears the cookie.",
  responses: { 204: { description: "Signed out" }, ...errors(403) },
});

export function registerLogout(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const credential = c.var.credential;
    if (credential?.kind === "session") {
      const db = userDatabase(c.env);
      const [, orgs] = await db.batch([
        db
          .update(sessions)
          .set({ revokedAt: new Date(c.var.clock.now()) })
          .where(and(eq(sessions.id, credential.sessionId), isNull(sessions.revokedAt))),
        db.select({ orgId: userMemberships.orgId }).from(userMemberships).where(eq(userMemberships.userId, credential.userId)),
      ]);
      // Rooms authorize from memory, so each of the user's organizations is told at once. A
      // room that cannot be reached now learns it within minutes (it re-checks live sessions).
      const told = await Promise.allSettled(
        orgs.map(({ orgId }) => orgRoom(c.env, orgId).revokeSession(credential.sessionId, credential.expiresAt)),
      );
      for (const result of told) if (result.status === "rejected") console.error("[roster] logout: a room was not told:", result.reason);
    }
    clearSessionCookie(c);
    return c.body(null, 204);
  });
}
