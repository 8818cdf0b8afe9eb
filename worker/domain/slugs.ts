import { z } from "@hono/zod-openapi";

/** Slugs that would shadow a dashboard or API path. */
const reserved = new Set(["api", "auth", "new", "me", "settings", "invitations", "join", "admin", "docs", "static", "assets"]);

/** An organization slug: 2–48 of a–z, 0–9 and inner hyphens, not reserved. Immutable once set. */
export const Slug = z
  .string()
  .trim()
  .min(2)
  .max(48)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "Use lower-case letters, digits and inner hyphens.")
  .refine((slug) => !slug.includes("--"), "Use single hyphens.")
  .refine((slug) => !reserved.has(slug), "This slug is reserved.")
  .openapi({ example: "acme" });

/** A username: a public handle, 2–39 of letters, digits and inner hyphens (like GitHub's). */
export const Username = z
  .string()
  .trim()
  .min(2)
  .max(39)
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/, "Use letters, digits and inner hyphens.")
  .openapi({ example: "ada-lovelace" });

/** An email address, trimmed and lower-cased. */
export const Email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email())
  .transform((email) => email.toLowerCase())
  .openapi({ example: "ada@example.com" });
