import { jwtVerify, SignJWT } from "jose";
import type { Bindings } from "../env.ts";
import { AppError } from "../errors.ts";
import type { SessionClaims } from "../lib/credential.ts";

// The imported HMAC key, per secret: importing it again on every request would cost more
// than the signature check itself.
const keys = new Map<string, CryptoKey>();

async function key(env: Bindings): Promise<CryptoKey> {
  const secret = env.SESSION_SECRET;
  if (!secret || secret.length < 16) {
    throw new AppError("internal_error", "The server is not configured (SESSION_SECRET).");
  }
  let k = keys.get(secret);
  if (!k) {
    // Only the resolved key is shared across requests, never a pending promise.
    k = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(secret, k);
  }
  return k;
}

const issuer = "roster";
const audience = "roster:session";

export async function signSession(env: Bindings, claims: SessionClaims): Promise<string> {
  return new SignJWT({ sid: claims.sessionId })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(claims.userId)
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(Math.floor(claims.expiresAt / 1000))
    .sign(await key(env));
}

/**
 * Tokens whose signature this isolate already checked, with their claims: the same token
 * string under the same secret always verifies the same way, so only expiry is checked
 * again. Bounded; only valid tokens get in. (Revocation is not a JWT matter: the server-side
 * session is checked where it belongs.)
 */
const verified = new Map<string, { secret: string; claims: SessionClaims }>();
const maxVerified = 10_000;

/** The claims of a valid, unexpired session JWT, or null for anything else. */
export async function verifySession(env: Bindings, token: string, now: number): Promise<SessionClaims | null> {
  const known = verified.get(token);
  if (known && known.secret === env.SESSION_SECRET) return known.claims.expiresAt > now ? known.claims : null;
  const claims = await verifySignature(env, token, now);
  if (claims && env.SESSION_SECRET) {
    if (verified.size >= maxVerified) verified.delete(verified.keys().next().value!);
    verified.set(token, { secret: env.SESSION_SECRET, claims });
  }
  return claims;
}

async function verifySignature(env: Bindings, token: string, now: number): Promise<SessionClaims | null> {
  try {
    const { payload } = await jwtVerify(token, await key(env), {
      issuer,
      audience,
      algorithms: ["HS256"],
      currentDate: new Date(now),
    });
    if (typeof payload.sid !== "string" || typeof payload.sub !== "string" || typeof payload.exp !== "number") return null;
    return { sessionId: payload.sid, userId: payload.sub, expiresAt: payload.exp * 1000 };
  } catch (error) {
    if (error instanceof AppError) throw error;
    return null;
  }
}
