import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";

/**
 * Headers every answer of the Worker carries. No page or answer of Roster is meant to be
 * framed (clickjacking: a hidden frame over "Sign in as …" or a destructive button), so
 * both the CSP directive and the older header say so. The dashboard's static files do not
 * pass through the Worker (wrangler.toml runs it first only for /api/*): web/public/_headers
 * gives them the same headers, and web/vite.config.ts does in development.
 */
export const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  // A WebSocket upgrade is no document, and copying its response would lose the socket.
  if (c.res.status === 101) return;
  try {
    setDefaults(c.res.headers);
  } catch {
    // A response with immutable headers (e.g. one fetched from elsewhere): copy it.
    c.res = new Response(c.res.body, c.res);
    setDefaults(c.res.headers);
  }
});

function setDefaults(headers: Headers): void {
  const csp = headers.get("content-security-policy");
  // A page's own policy (the API reference has one) gains the directive rather than losing it.
  if (csp === null) headers.set("Content-Security-Policy", "frame-ancestors 'none'");
  else if (!/(^|;)\s*frame-ancestors\s/i.test(csp)) headers.set("Content-Security-Policy", `${csp}; frame-ancestors 'none'`);
  headers.set("X-Frame-Options", "DENY");
  headers.set("X-Content-Type-Options", "nosniff");
}
