import type { Bindings } from "../env.ts";
import { AppError } from "../errors.ts";
import { linkKinds, type LinkKind } from "../domain/links.ts";

/**
 * Self-registration link tokens. A link's URL is shown again to owners and admins at any
 * time, so its token is never stored: it is derived, as an HMAC-SHA-256 under the server
 * secret (`SESSION_SECRET`, with a label of its own so a token can never pass for another
 * signature), over the organization, the kind and the link's generation. Regenerating bumps
 * the generation, which kills the old URL at once; rotating the secret kills every link.
 *
 * Token: `<orgId>.<n|e><generation>.<mac>` — the organization and generation are named in
 * clear (they are no secret) so the Worker knows which link to check; the MAC binds them.
 */
const label = "roster:self-registration-link:v1";
const utf8 = new TextEncoder();
const kindLetter: Record<LinkKind, string> = { new: "n", existing: "e" };
const shape = /^(org_[a-z0-9]{1,64})\.([ne])([1-9][0-9]{0,8})\.([A-Za-z0-9_-]{43})$/;

const keys = new Map<string, CryptoKey>();

async function key(env: Bindings): Promise<CryptoKey> {
  const secret = env.SESSION_SECRET;
  if (!secret || secret.length < 16) throw new AppError("internal_error", "The server is not configured (SESSION_SECRET).");
  let k = keys.get(secret);
  if (!k) {
    k = await crypto.subtle.importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(secret, k);
  }
  return k;
}

function message(orgId: string, kind: LinkKind, generation: number): Uint8Array {
  return utf8.encode(`${label}\n${orgId}\n${kind}\n${generation}`);
}

/** The token of `orgId`'s `kind` link at `generation`. */
export async function linkToken(env: Bindings, orgId: string, kind: LinkKind, generation: number): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await key(env), message(orgId, kind, generation)));
  return `${orgId}.${kindLetter[kind]}${generation}.${mac.toBase64({ alphabet: "base64url", omitPadding: true })}`;
}

/** The dashboard page a link opens. */
export function linkUrl(appUrl: string, token: string): string {
  return `${appUrl}/join/${token}`;
}

/** What a genuine token names. Whether that generation is still the live one is the organization's to say. */
export interface LinkClaim {
  orgId: string;
  kind: LinkKind;
  generation: number;
}

const invalid = () => new AppError("link_invalid", "This link is not valid: it was regenerated or disabled, or it was never a link of this organization.");

/**
 * The claim of a token whose MAC checks, else `link_invalid`. The MAC is checked by
 * `crypto.subtle.verify`, which compares in constant time (no timing tells how much of a
 * forged MAC was right).
 */
export async function verifyLinkToken(env: Bindings, token: string): Promise<LinkClaim> {
  const match = shape.exec(token);
  if (!match) throw invalid();
  const [, orgId, letter, digits, mac] = match as unknown as [string, string, string, string, string];
  const kind = linkKinds.find((k) => kindLetter[k] === letter)!;
  const generation = Number(digits);
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.fromBase64(mac, { alphabet: "base64url" });
  } catch {
    throw invalid();
  }
  // The decoder ignores the low bits of the last character, so one MAC has four spellings:
  // only the one this module writes is the link's token.
  if (bytes.toBase64({ alphabet: "base64url", omitPadding: true }) !== mac) throw invalid();
  const ok = await crypto.subtle.verify("HMAC", await key(env), bytes, message(orgId, kind, generation));
  if (!ok) throw invalid();
  return { orgId, kind, generation };
}

export { invalid as linkInvalidError };
