import type { Bindings } from "../env.ts";
import { AppError } from "../errors.ts";

/**
 * Stored answers are sealed with AES-256-GCM under a key derived (HKDF-SHA-256) from
 * `SESSION_SECRET`, bound to their row (scope, key and fingerprint as additional data): a
 * copy of the database alone does not show an answer, nor can a row's answer be moved to
 * another row. Invitation links in stored answers stay as secret as they were.
 */
const keys = new Map<string, CryptoKey>();
const utf8 = new TextEncoder();

async function sealingKey(env: Bindings): Promise<CryptoKey> {
  const secret = env.SESSION_SECRET;
  if (!secret || secret.length < 16) throw new AppError("internal_error", "The server is not configured (SESSION_SECRET).");
  let key = keys.get(secret);
  if (!key) {
    const material = await crypto.subtle.importKey("raw", utf8.encode(secret), "HKDF", false, ["deriveKey"]);
    key = await crypto.subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: utf8.encode("roster"), info: utf8.encode("roster:idempotency-answers") },
      material,
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    );
    keys.set(secret, key);
  }
  return key;
}

/** `text` sealed for the row named by `context`, as base64 (nonce, then ciphertext). */
export async function seal(env: Bindings, context: string, text: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: utf8.encode(context) }, await sealingKey(env), utf8.encode(text));
  const out = new Uint8Array(iv.length + sealed.byteLength);
  out.set(iv);
  out.set(new Uint8Array(sealed), iv.length);
  return out.toBase64();
}

/** The text {@link seal} sealed for `context`; throws if it was sealed for another row or altered. */
export async function unseal(env: Bindings, context: string, sealed: string): Promise<string> {
  const bytes = Uint8Array.from(atob(sealed), (ch) => ch.charCodeAt(0));
  const opened = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: bytes.subarray(0, 12), additionalData: utf8.encode(context) },
    await sealingKey(env),
    bytes.subarray(12),
  );
  return new TextDecoder().decode(opened);
}
