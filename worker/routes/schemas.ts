import { z } from "@hono/zod-openapi";
import { cleanName, wellFormed } from "../domain/text.ts";
import { invitationTtlDays } from "../domain/invitations.ts";
import { orgNameMaxLength } from "../domain/org.ts";
import { hasDoubleHyphen, isReservedSlug, slugLimits, slugMessages, slugShape, usernameLimits, usernameShape } from "../domain/slugs.ts";
import { ErrorResponse } from "../views/error.ts";

/** An organization slug (domain/slugs.ts has the rules). Immutable once set. */
export const Slug = z
  .string()
  .trim()
  .min(slugLimits.min)
  .max(slugLimits.max)
  .regex(slugShape, slugMessages.shape)
  .refine((slug) => !hasDoubleHyphen(slug), slugMessages.doubleHyphen)
  .refine((slug) => !isReservedSlug(slug), slugMessages.reserved)
  .openapi({ example: "acme" });

/** An organization's name, trimmed. */
export const OrgName = z.string().trim().min(1).max(orgNameMaxLength).refine(...wellFormed);

/**
 * A person's display name (registration through a link, `PATCH /me`), at most `max`
 * characters once cleaned. Refused with 400: control characters (\p{Cc}: CR/LF and the
 * like, which would break a mail's lines) and bidirectional controls (U+202A–U+202E,
 * U+2066–U+2069, U+200E, U+200F: they make text read otherwise than it is). Then cleaned
 * (domain/text.ts `cleanName`: NFKC, other invisible characters such as zero-width spaces
 * taken out, white space collapsed) and refused if nothing is left.
 */
export function DisplayName(max = 100) {
  return z
    .string()
    .max(max * 4)
    .refine(...wellFormed)
    .refine((name) => !/[\p{Cc}\u202A-\u202E\u2066-\u2069\u200E\u200F]/u.test(name), "A name cannot contain control or text-direction characters.")
    .transform(cleanName)
    .pipe(z.string().min(1, "The name is empty once cleaned of invisible characters.").max(max))
    .openapi({ type: "string", example: "Ada Lovelace" });
}

/** How many days an invitation lives: its own, or an organization's default. */
export const InviteTtlDays = z.number().int().min(invitationTtlDays.min).max(invitationTtlDays.max);

/** A username: a public handle (domain/slugs.ts has the rules). */
export const Username = z
  .string()
  .trim()
  .min(usernameLimits.min)
  .max(usernameLimits.max)
  .regex(usernameShape, "Use letters, digits and inner hyphens.")
  .openapi({ example: "ada-lovelace" });

/** An email address, trimmed and lower-cased. */
export const Email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email())
  .transform((email) => email.toLowerCase())
  .openapi({ example: "ada@example.com" });

/** `{description, content: application/json}` for a response or request body. */
export function json<T extends z.ZodType>(schema: T, description = "") {
  return { description, content: { "application/json": { schema } } };
}

/** The error answers a route can give, documented together. */
export function errors(...statuses: Array<400 | 401 | 403 | 404 | 409 | 410 | 422 | 429 | 503>) {
  return Object.fromEntries(statuses.map((status) => [status, json(ErrorResponse, "Error; see `error.code`")]));
}

export const OrgParams = z.object({
  org: z.string().min(1).max(64).openapi({ param: { name: "org", in: "path" }, example: "acme" }),
});

/** How organization routes are authenticated. */
export const orgSecurity: Array<Record<string, string[]>> = [{ cookieAuth: [] }, { bearerAuth: [] }];
export const userSecurity: Array<Record<string, string[]>> = [{ cookieAuth: [] }];
