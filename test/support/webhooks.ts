/** A webhook secret in Resend's format (`whsec_` and base64 of the key). */
export const testWebhookSecret = `whsec_${btoa("roster-test-webhook-secret-32-bytes!")}`;

const toBase64 = (bytes: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(bytes)));

/**
 * A Resend delivery event signed as Resend (Svix, Standard Webhooks) signs it: `v1,` and the
 * base64 HMAC-SHA256, keyed by the secret's bytes, of `<id>.<seconds>.<body>`, in the
 * `svix-*` headers. `at` is the signing time, `id` the message id.
 */
export async function signedWebhook(
  event: { type: string; emailId: string; tags?: Record<string, string> },
  options: { secret?: string; id?: string; at?: Date; raw?: unknown } = {},
): Promise<{ body: string; headers: Record<string, string> }> {
  const id = options.id ?? `msg_${crypto.randomUUID()}`;
  const at = options.at ?? new Date();
  const seconds = Math.floor(at.getTime() / 1000);
  // `raw`: any other event, signed as it is given.
  const body = options.raw !== undefined ? JSON.stringify(options.raw) : JSON.stringify({
    type: event.type,
    created_at: at.toISOString(),
    data: { email_id: event.emailId, from: "Roster <no-reply@roster.invalid>", to: ["someone@example.com"], subject: "x", created_at: at.toISOString(), tags: event.tags ?? {} },
  });
  const secret = (options.secret ?? testWebhookSecret).replace(/^whsec_/, "");
  const keyBytes = Uint8Array.from(atob(secret), (ch) => ch.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${seconds}.${body}`));
  return { body, headers: { "content-type": "application/json", "svix-id": id, "svix-timestamp": String(seconds), "svix-signature": `v1,${toBase64(mac)}` } };
}
