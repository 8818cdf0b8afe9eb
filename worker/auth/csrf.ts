import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import { readSessionCookie } from "./credentials.ts";

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

/** The origin of a URL, remembered for the few URLs a deployment sees (its own, APP_URL). */
const origins = new Map<string, string>();
function originOf(url: string): string {
  // Only the part before the path matters; a request URL differs by path on every call.
  const pathStart = url.indexOf("/", url.indexOf("//") + 2);
  const base = pathStart === -1 ? url : url.slice(0, pathStart);
  let origin = origins.get(base);
  if (origin === undefined) {
    origin = new URL(base).origin;
    if (origins.size < 64) origins.set(base, origin);
  }
  return origin;
}

/**
 * Refuses a cookie-carrying mutation from a foreign origin with 403. The allowed origins
 * are the request's own and `APP_URL`'s. Without an `Origin` header, `Sec-Fetch-Site`
 * decides; a request with neither did not come from a browser, so no other site can have
 * made it ride on the cookie. Bearer calls carry no cookie authority and are exempt.
 */
export const csrfProtection = createMiddleware<AppEnv>(async (c, next) => {
  // Webhooks are authenticated by their signature, never by a cookie.
  if (safeMethods.has(c.req.method) || c.req.header("authorization") || !readSessionCookie(c) || c.req.path.startsWith("/api/v1/webhooks/")) {
    return next();
  }
  refuseCrossSite(c);
  return next();
});

/**
 * The same-origin check itself, also used where a safe method carries cookie authority
 * (the live socket's upgrade: no cross-site WebSocket hijacking) and by the sign-in routes
 * whatever cookie the caller has (another site must not sign a browser in; login CSRF).
 */
export function refuseCrossSite(c: Context<AppEnv>): void {
  const origin = c.req.header("origin");
  if (origin !== undefined) {
    if (origin !== originOf(c.req.url) && (!c.env.APP_URL || origin !== originOf(c.env.APP_URL))) {
      throw new AppError("forbidden", "Cross-site request refused.", { reason: "csrf" });
    }
  } else {
    const site = c.req.header("sec-fetch-site");
    if (site !== undefined && site !== "same-origin" && site !== "none") {
      throw new AppError("forbidden", "Cross-site request refused.", { reason: "csrf" });
    }
  }
}
