import { createMiddleware } from "hono/factory";
import type { AppEnv, Bindings } from "../env.ts";
import { AppError } from "../errors.ts";
import { devMailboxEnabled } from "../mail/mailer.ts";

const loopbackHosts = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Whether a request names this machine (or the configured dashboard) as its host. A page
 * on another site that re-points its own name at 127.0.0.1 (DNS rebinding) reaches the
 * local Worker with its own name in `Host`, so dev-only routes, which show everyone's
 * sign-in links, answer only to loopback names and to `APP_URL`'s host.
 */
export function isTrustedDevHost(env: Bindings, url: URL): boolean {
  const host = url.hostname.toLowerCase();
  if (loopbackHosts.has(host) || host.endsWith(".localhost")) return true;
  if (!env.APP_URL) return false;
  try {
    return new URL(env.APP_URL).host.toLowerCase() === url.host.toLowerCase();
  } catch {
    return false;
  }
}

/**
 * Guards routes that exist only in explicit local development with no Resend key. Outside
 * it, or for a foreign host, they do not exist: the same 404 as any unknown route.
 */
export const devOnly = createMiddleware<AppEnv>(async (c, next) => {
  const url = new URL(c.req.url);
  if (!devMailboxEnabled(c.env) || !isTrustedDevHost(c.env, url)) {
    throw new AppError("not_found", `No route for ${c.req.method} ${url.pathname}.`);
  }
  await next();
});
