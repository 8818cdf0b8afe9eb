import { idempotencyTtlMs, keyIsHonoured, maxLiveKeysPerPrincipal, maxStoredBodyBytes, maxStoredErrorBytes } from "./policy.ts";

interface Operation {
  parameters?: unknown[];
  responses?: Record<string, unknown>;
  description?: string;
}

type Document = { paths?: Record<string, Record<string, Operation>> };

const errorAnswer = (description: string) => ({ description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } });

const honoured =
  `Optional. A repeat of this POST with the same key, by the same caller (user or API key, with the same role), within ${idempotencyTtlMs / 3_600_000} hours answers the ` +
  "first answer again (its status and body, with `Idempotent-Replayed: true`) without acting twice, even while the first still runs " +
  "(the repeat waits up to 10 s, then 409 `idempotency_in_progress` with `Retry-After`). 2xx and 4xx answers are kept (a 4xx over " +
  `${maxStoredErrorBytes / 1024} KiB as its code and message only); a 500 or a 429 releases the key so a retry runs again. A 503 keeps it: ` +
  "the first request may have acted, and a repeat is 409 `idempotency_replay_unavailable`. The same key with another body, or after the " +
  "caller's role changed: 422 `idempotency_mismatch`. An answer that is not kept " +
  `(a new API key's secret, a body over ${maxStoredBodyBytes / 1024 / 1024} MiB, or an unknown outcome) is 409 \`idempotency_replay_unavailable\` on a repeat. ` +
  `Keys are per caller in their organization (or user). Past ${maxLiveKeysPerPrincipal} live keys of one caller there: 429 \`idempotency_key_limit\`. ` +
  "1–255 printable ASCII characters, else 400 `idempotency_key_invalid`.";

const ignored = "Checked (1–255 printable ASCII characters, else 400 `idempotency_key_invalid`) but not honoured: the sign-in routes are not idempotent by key.";

/**
 * Adds the `Idempotency-Key` header parameter to every POST of the document, with the 409,
 * 422 and 429 answers it can cause: one place for every route, present and future.
 */
export function documentIdempotency<T extends object>(document: T): T {
  const paths = (document as Document).paths ?? {};
  for (const [path, item] of Object.entries(paths)) {
    const op = item.post;
    if (!op || !path.startsWith("/api/v1/")) continue;
    const honours = keyIsHonoured(path);
    op.parameters = [
      ...(op.parameters ?? []),
      {
        name: "Idempotency-Key",
        in: "header",
        required: false,
        description: honours ? honoured : ignored,
        schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[\\x20-\\x7E]+$", example: "9b2f6c1e-3f4a-4c55-8a7e-1d2c3b4a5f60" },
      },
    ];
    const responses = (op.responses ??= {});
    responses["400"] ??= errorAnswer("Error; see `error.code`");
    if (honours) {
      responses["409"] ??= errorAnswer("Error; see `error.code`");
      responses["422"] ??= errorAnswer("`idempotency_mismatch`: the Idempotency-Key was used with another request");
      responses["429"] ??= errorAnswer("Error; see `error.code` (`idempotency_key_limit`: too many live Idempotency-Keys)");
    }
  }
  return document;
}
