import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import { verifySession, type SessionClaims } from "./jwt.ts";
import { sha256Hex } from "./tokens.ts";

export const sessionCookie = "roster_session";

/** Who a request claims to be, before any organization has been asked. */
export type Credential =
  | ({ kind: "session" } & SessionClaims)
  | { kind: "api_key"; secretHash: string };

const bearer = /^Bearer\s+(\S+)$/i;

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
    const token = getCookie(c, sessionCookie);
    const claims = token ? await verifySession(c.env, token, c.var.clock.now()) : null;
    c.set("credential", claims ? { kind: "session", ...claims } : null);
  }
  await next();
});

function isHttps(c: Context<AppEnv>): boolean {
  return new URL(c.req.url).protocol === "https:";
}

export function setSessionCookie(c: Context<AppEnv>, jwt: string, expiresAt: number): void {
  setCookie(c, sessionCookie, jwt, {
    httpOnly: true,
    sameSite: "Lax",
    secure: isHttps(c),
    path: "/",
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  deleteCookie(c, sessionCookie, { path: "/", secure: isHttps(c), httpOnly: true, sameSite: "Lax" });
}
