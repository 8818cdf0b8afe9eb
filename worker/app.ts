import { OpenAPIHono } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { requestId } from "hono/request-id";
import type { AppEnv } from "./env.ts";
import { systemClock, type Clock } from "./lib/clock.ts";
import { onError, onNotFound } from "./middleware/errors.ts";
import { limitBody, parseJsonBody } from "./middleware/json-body.ts";
import { securityHeaders } from "./middleware/security-headers.ts";
import { validationHook } from "./middleware/validation.ts";
import { readCredential } from "./auth/credentials.ts";
import { csrfProtection } from "./auth/csrf.ts";
import { idempotency } from "./idempotency/middleware.ts";
import { registerApiKeyRoutes } from "./routes/api-keys/index.ts";
import { registerListAudit } from "./routes/audit/list.ts";
import { registerExportAudit } from "./routes/audit/export.ts";
import { registerAuthRoutes } from "./routes/auth/index.ts";
import { registerDevMailbox } from "./routes/dev/mailbox.ts";
import { registerMailPreviews } from "./routes/dev/mail-previews.ts";
import { keepRawBody, registerResendWebhook } from "./routes/webhooks/resend.ts";
import { registerOpenApiDocument } from "./routes/docs/document.ts";
import { registerReferencePage } from "./routes/docs/page.ts";
import { registerHealth } from "./routes/health/get.ts";
import { registerLiveConnect } from "./routes/live/connect.ts";
import { registerMeRoutes } from "./routes/me/index.ts";
import { registerInvitationRoutes } from "./routes/invitations/index.ts";
import { registerMemberRoutes } from "./routes/members/index.ts";
import { registerOrgRoutes } from "./routes/orgs/index.ts";
import { documentDeletedOrgs } from "./routes/orgs/deleted-docs.ts";
import { registerProjectRoutes } from "./routes/projects/index.ts";
import { registerJoinRoutes } from "./routes/join/index.ts";
import { registerLinkRoutes } from "./routes/links/index.ts";

export interface AppOptions {
  clock?: Clock;
  /** How long a repeated Idempotency-Key waits for the first request (tests shorten it). */
  idempotencyWaitMs?: number;
}

/** Builds the Hono app: middleware, every route, the OpenAPI document. */
export function createApp(options: AppOptions = {}): OpenAPIHono<AppEnv> {
  const clock = options.clock ?? systemClock;
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use("*", securityHeaders);
  app.use("*", requestId({ headerName: "X-Request-Id" }));
  app.use(
    "*",
    createMiddleware<AppEnv>(async (c, next) => {
      c.set("clock", clock);
      await next();
    }),
  );
  // Before the JSON parse: the webhook's signature covers its raw body.
  app.use("/api/v1/webhooks/*", keepRawBody);
  app.use("/api/*", limitBody, parseJsonBody);
  app.use("/api/v1/*", readCredential, csrfProtection);
  app.use("/api/v1/*", idempotency({ waitMs: options.idempotencyWaitMs }));
  app.onError(onError);
  app.notFound(onNotFound);

  registerHealth(app);
  registerAuthRoutes(app);
  registerMeRoutes(app);
  registerOrgRoutes(app);
  registerMemberRoutes(app);
  registerInvitationRoutes(app);
  registerApiKeyRoutes(app);
  registerProjectRoutes(app);
  registerLinkRoutes(app);
  registerJoinRoutes(app);
  registerExportAudit(app);
  registerListAudit(app);
  registerLiveConnect(app);
  registerDevMailbox(app);
  registerMailPreviews(app);
  registerResendWebhook(app);
  // Last: it documents the 409 of a deleted organization on every route registered before it.
  documentDeletedOrgs(app);

  app.openAPIRegistry.registerComponent("securitySchemes", "cookieAuth", {
    type: "apiKey",
    in: "cookie",
    name: "__Host-roster_session",
    description:
      "The dashboard's session (set by POST /api/v1/auth/session). Over HTTPS the cookie is `__Host-roster_session` " +
      "(Secure, Path=/, no Domain) and only that name is read; over plain http (local development) it is " +
      "`roster_session`. Mutations need a same-origin request.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "An organization API key (`rk_…`), scoped.",
  });

  registerOpenApiDocument(app);
  registerReferencePage(app);
  return app;
}
