import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { AppEnv } from "../env.ts";
import { clearHostCookie, cookieName, setHostCookie } from "./credentials.ts";
import { sha256Hex } from "../lib/hash.ts";
import { randomToken } from "../lib/ids.ts";

/**
 * The cookie that binds a mailed sign-in link to the browser that asked for it
 * (`__Host-roster_signin` over HTTPS). Only its SHA-256 is stored, beside the link's token.
 */
export const signInNonceCookie = "roster_signin";

const wellFormed = /^[A-Za-z0-9_-]{43}$/;

/**
 * Gives this browser a sign-in nonce cookie valid for `ttlMs` and answers its hash. A
 * browser that already holds one keeps it, so every link it asked for while the cookie
 * lives stays bound to it (asking again must not orphan the first mail).
 */
export async function issueSignInNonce(c: Context<AppEnv>, now: number, ttlMs: number): Promise<string> {
  const held = getCookie(c, cookieName(c, signInNonceCookie));
  const nonce = held !== undefined && wellFormed.test(held) ? held : randomToken(32);
  setHostCookie(c, signInNonceCookie, nonce, new Date(now + ttlMs));
  return sha256Hex(nonce);
}

/** The hash of this browser's sign-in nonce, or null when it has none. */
export async function signInNonceHash(c: Context<AppEnv>): Promise<string | null> {
  const nonce = getCookie(c, cookieName(c, signInNonceCookie));
  return nonce !== undefined && wellFormed.test(nonce) ? sha256Hex(nonce) : null;
}

/** Forgets the browser's nonce, if it sent one, once it is signed in: it has served its purpose. */
export function clearSignInNonce(c: Context<AppEnv>): void {
  if (getCookie(c, cookieName(c, signInNonceCookie)) !== undefined) clearHostCookie(c, signInNonceCookie);
}
