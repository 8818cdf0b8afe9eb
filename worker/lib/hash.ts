const utf8 = new TextEncoder();

/** SHA-256 of `text` as lower-case hex: how tokens and secrets are stored. */
export async function sha256Hex(text: string): Promise<string> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", utf8.encode(text))).toHex();
}
