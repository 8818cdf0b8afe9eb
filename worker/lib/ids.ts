/** A high-entropy random token (base64url, `bytes` of randomness). */
export function randomToken(bytes = 32): string {
  return crypto.getRandomValues(new Uint8Array(bytes)).toBase64({ alphabet: "base64url", omitPadding: true });
}

/** A sortable, unique id with a type prefix, e.g. `org_01k…`. */
export function newId(prefix: string, now = Date.now()): string {
  return `${prefix}_${now.toString(36).padStart(9, "0")}${randomToken(10).toLowerCase().replace(/[^a-z0-9]/g, "")}`;
}
