/**
 * SHA-256 as lower-case hex, written apart from the product's own (worker/lib/hash.ts),
 * so tests check what is stored against an independent computation.
 */
export async function referenceSha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
