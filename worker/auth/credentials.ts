import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import { verifySession } from "./jwt.ts";
import { sha256Hex } from "../lib/hash.ts";

/**
 * The session cookie's name over plain http (local development on localhost); over HTTPS it
 * is `__Host-roster_session` (see {@link cookieName}).
 */
export const sessionCookie = "roster_session";

const bearer = /^Bearer\s+(\S+)$/i;

/**
 * Whether cookies for this request are HTTPS cookies: the request came over HTTPS, or the
 * deployment says it lives on HTTPS (`APP_URL`), e.g. behind a proxy that speaks http to it.
 */
export function usesHttps(c: Context<AppEnv>): boolean {
  return c.req.url.startsWith("https:") || (c.env.APP_URL?.startsWith("https:") ?? false);
}

/**
 * A cookie's name for the scheme in use: `__Host-<name>` over HTTPS, `<name>` over http.
 * Only that name is ever read, so over HTTPS a plain `<name>` cookie (which any sibling
 * subdomain can set) is ignored rather than taken.
 */
export function cookieName(c: Context<AppEnv>, name: string): string {
  return usesHttps(c) ? `__Host-${name}` : name;
}

/** The session cookie's value under the name for this request's scheme. */
export function readSessionCookie(c: Context<AppEnv>): string | undefined {
  return getCookie(c, cookieName(c, sessionCookie));
}

/**
 * Reads the caller's credential: `Authorization: Bearer <API key>` or the session cookie
 * (a signed JWT, checked here without I/O). A bearer header that is not a Roster key, or
 * a cookie that does not verify, is refused rather than ignored.
 */
export const readCredential = createMiddleware<AppEnv>(async (c, next) => {
  const authorization = c.req.header("authorization");
  if (authorization) {
    const match = bearer.exec(authorization);
    if (!match?.[1]?.startsWith("rk_")) throw new AppError("unauthenticated", "The API key is not valid.");
    c.set("credential", { kind: "api_key", secretHash: await sha256Hex(match[1]) });
  } else {
    const token = readSessionCookie(c);
    const claims = token ? await verifySession(c.env, token, c.var.clock.now()) : null;
    c.set("credential", claims ? { kind: "session", ...claims } : null);
  }
  await next();
});

/**
 * Sets an HttpOnly, SameSite=Lax cookie named for the scheme (see {@link cookieName}):
 * over HTTPS it is `__Host-` prefixed, Secure, Path=/ and carries no Domain.
 */
export function setHostCookie(c: Context<AppEnv>, name: string, value: string, expires: Date): void {
  const secure = usesHttps(c);
  setCookie(c, cookieName(c, name), value, { httpOnly: true, sameSite: "Lax", secure, path: "/", expires });
}

/** Clears a cookie set by {@link setHostCookie}. */
export function clearHostCookie(c: Context<AppEnv>, name: string): void {
  const secure = usesHttps(c);
  deleteCookie(c, cookieName(c, name), { path: "/", secure, httpOnly: true, sameSite: "Lax" });
}

/** Sets the session cookie (`__Host-roster_session` over HTTPS, `roster_session` over http). */
export function setSessionCookie(c: Context<AppEnv>, jwt: string, expiresAt: number): void {
  setHostCookie(c, sessionCookie, jwt, new Date(expiresAt));
}

/** Clears the session cookie. */
export function clearSessionCookie(c: Context<AppEnv>): void {
  clearHostCookie(c, sessionCookie);
}
