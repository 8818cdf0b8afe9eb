import { OpenAPIHono } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { requestId } from "hono/request-id";
import type { AppEnv } from "./env.ts";
import { systemClock, type Clock } from "./lib/clock.ts";
import { onError, onNotFound } from "./middleware/errors.ts";
import { limitBody, parseJsonBody } from "./middleware/json-body.ts";
import { validationHook } from "./middleware/validation.ts";
import { registerHealth } from "./routes/health/get.ts";

export interface AppOptions {
  clock?: Clock;
}

/** Builds the Hono app: middleware, every route, the OpenAPI document. */
export function createApp(options: AppOptions = {}): OpenAPIHono<AppEnv> {
  const clock = options.clock ?? systemClock;
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use("*", requestId({ headerName: "X-Request-Id" }));
  app.use(
    "*",
    createMiddleware<AppEnv>(async (c, next) => {
      c.set("clock", clock);
      await next();
    }),
  );
  app.use("/api/*", limitBody, parseJsonBody);
  app.onError(onError);
  app.notFound(onNotFound);

  registerHealth(app);

  app.doc31("/api/v1/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Roster API",
      version: "1.0.0",
      description: "Organizations, members, invitations and exact seats.",
    },
  });
  return app;
}
