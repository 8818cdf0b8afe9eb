import { z } from "@hono/zod-openapi";
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
export const OrgName = z.string().trim().min(1).max(orgNameMaxLength);

/**
 * A person's display name, as they give it (registration, `PATCH /me`): trimmed, 1–100
 * characters, no control or format characters (\p{Cc}: CR/LF and the like, which would
 * break a mail's lines; \p{Cf}: bidirectional overrides such as U+202E, which make text read
 * otherwise than it is).
 */
export const DisplayName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine((name) => !/[\p{Cc}\p{Cf}]/u.test(name), "A name cannot contain control or formatting characters.")
  .openapi({ example: "Ada Lovelace" });

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
