import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env.ts";
import { documentIdempotency } from "../../idempotency/openapi.ts";

/** The top of the OpenAPI document; paths and schemas come from the routes' zod schemas. */
export const documentInfo = {
  openapi: "3.1.0",
  info: {
    title: "Roster API",
    version: "1.0.0",
    description:
      "Organizations, members, invitations and exact seats. Errors are `{error: {code, message, details?, requestId}}` with a stable `code`. Authenticate with the dashboard's session cookie (mutations must be same-origin) or an organization API key as `Authorization: Bearer rk_…`.",
  },
  // Relative to wherever the document is served: the deployment that serves it is the one it describes.
  servers: [{ url: "/", description: "This deployment" }],
};

/** The whole document: the routes' own, plus what middleware adds to them (Idempotency-Key). */
export function openApiDocument(app: OpenAPIHono<AppEnv>) {
  return documentIdempotency(app.getOpenAPI31Document(documentInfo));
}

/** Serves the document at `/api/v1/openapi.json`. */
export function registerOpenApiDocument(app: OpenAPIHono<AppEnv>): void {
  app.get("/api/v1/openapi.json", (c) => c.json(openApiDocument(app)));
}
