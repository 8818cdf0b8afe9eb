// Uint8Array to base64 and hex (TC39 "Uint8Array to/from base64", shipped in V8 and workerd;
// TypeScript 5.9's lib does not declare it yet).
interface Uint8Array {
  toBase64(options?: { alphabet?: "base64" | "base64url"; omitPadding?: boolean }): string;
  toHex(): string;
}
interface Uint8ArrayConstructor {
  fromBase64(text: string, options?: { alphabet?: "base64" | "base64url"; lastChunkHandling?: "loose" | "strict" | "stop-before-partial" }): Uint8Array;
}
