import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { refuseCrossSite } from "../../auth/csrf.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import type { AppEnv } from "../../env.ts";
import { AppError } from "../../errors.ts";
import { liveHeaders } from "../../org/live/viewer.ts";
import { orgRoom } from "../../org/room-client.ts";
import { ErrorResponse } from "../../views/error.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";

/** Only a WebSocket upgrade is served here; anything else learns how to ask (426). */
const requireUpgrade = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    c.header("Upgrade", "websocket");
    throw new AppError("upgrade_required", "Open this endpoint as a WebSocket (Upgrade: websocket).");
  }
  await next();
});

/**
 * A browser opens WebSockets with the cookie of any site it is on, and the upgrade is a
 * GET: the origin is checked here as for a mutation. Bearer clients carry no ambient
 * authority (and browsers cannot send that header on a WebSocket).
 */
const sameOrigin = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.req.header("authorization")) refuseCrossSite(c);
  await next();
});

const route = createRoute({
  operationId: "connectLive",
  method: "get",
  path: "/api/v1/orgs/{org}/live",
  tags: ["live"],
  summary: "Open the organization's live channel (WebSocket)",
  description: [
    "Upgrade with `Upgrade: websocket`. The session cookie needs a same-origin `Origin`; an API key may connect too and sees what its scopes can read.",
    "The server sends `{type:\"ready\", seq}` first, then events `{seq, type, at, data}` with `seq` strictly increasing per organization:",
    "`invitation.created|updated`, `member.joined` (with `via`, how they joined), `member.updated|removed`, `seats.changed`, `org.updated`.",
    "One WebSocket message carries one event, or an array of events in `seq` order: those one commit produced that the socket may see (an invitation and the seats it took), or a slice of a resume replay (at most 100). Control frames always come alone.",
    "The server does not accept permessage-deflate (events are small; compression would cost each socket a zlib stream).",
    "Restricted members see only organization and seat events and events about themselves.",
    "Send `{type:\"resume\", since}` after a reconnect to get every missed event, or `{type:\"resync\", seq}` when they are no longer kept;",
    "`{type:\"ping\"}` answers `{type:\"pong\"}`; a frame that is not understood answers `{type:\"error\", code:\"invalid_frame\", message}`; more than 10 `resume` frames a minute on one socket answer `{type:\"error\", code:\"rate_limited\"}` and replay nothing.",
    "Before the server closes a socket it sends `{type:\"closing\", code, reason}`. A removed member's sockets close with code 4403; a signed-out or expired session's (at the moment it expires) and a revoked key's with 4401; every socket of a deleted organization with 4410 (and a deleted organization refuses the upgrade with 409 `org_unavailable`).",
  ].join(" "),
  security: orgSecurity,
  middleware: [requireUpgrade, sameOrigin, orgAccess("org:read")] as const,
  request: { params: OrgParams },
  responses: {
    101: { description: "Switching Protocols: the socket is open" },
    ...errors(401, 403, 404),
    426: json(ErrorResponse, "Not a WebSocket upgrade (`upgrade_required`)"),
  },
});

export function registerLiveConnect(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { org, actor, credential } = c.var;
    const headers: Record<string, string> = { upgrade: "websocket", [liveHeaders.org]: org.id, [liveHeaders.actor]: JSON.stringify(actor) };
    // A session's socket lives no longer than the session.
    if (credential?.kind === "session") headers[liveHeaders.sessionExpiresAt] = String(credential.expiresAt);
    const response = await orgRoom(c.env, org.id).fetch(new Request("https://room/live", { headers }));
    if (response.status === 101 && response.webSocket) return response;
    // The room re-checks the actor: a removal between the two calls lands here.
    const refusal = ErrorResponse.safeParse(await response.json().catch(() => null));
    if (!refusal.success) throw new AppError("internal_error", "Something went wrong on our side.");
    throw new AppError(refusal.data.error.code, refusal.data.error.message);
  });
}
