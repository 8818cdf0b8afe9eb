/**
 * The rules for organization slugs and usernames, shared by the API (its zod schemas in
 * routes/schemas.ts) and the dashboard's forms (web/). Plain code with no imports, so the
 * dashboard bundles it as it is.
 */

/** Slugs that would shadow a dashboard or API path. */
const reservedSlugs: ReadonlySet<string> = new Set(["api", "auth", "new", "me", "settings", "invitations", "join", "admin", "docs", "static", "assets"]);

/** An organization slug: 2–48 of a–z, 0–9 and inner single hyphens, not reserved. Immutable once set. */
export const slugLimits = { min: 2, max: 48 } as const;

/** Lower-case letters, digits and hyphens, starting and ending with a letter or digit. */
export const slugShape = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/** What to tell someone whose slug breaks a rule beyond its length. */
export const slugMessages = {
  shape: "Use lower-case letters, digits and inner hyphens.",
  doubleHyphen: "Use single hyphens.",
  reserved: "This slug is reserved.",
} as const;

/** Two hyphens in a row, which the shape alone lets through. */
export function hasDoubleHyphen(slug: string): boolean {
  return slug.includes("--");
}

/** Whether `slug` would shadow a dashboard or API path. */
export function isReservedSlug(slug: string): boolean {
  return reservedSlugs.has(slug);
}

/** What is wrong with `slug`, or null when the server accepts it (the server stays the judge). */
export function slugProblem(slug: string): string | null {
  if (slug.length === 0) return "Choose a slug for the organization's address.";
  if (slug.length < slugLimits.min) return `Use at least ${slugLimits.min} characters.`;
  if (slug.length > slugLimits.max) return `Use at most ${slugLimits.max} characters.`;
  if (!slugShape.test(slug)) return slugMessages.shape;
  if (hasDoubleHyphen(slug)) return slugMessages.doubleHyphen;
  if (isReservedSlug(slug)) return slugMessages.reserved;
  return null;
}

/** A username: a public handle, 2–39 of letters, digits and inner hyphens (like GitHub's). */
export const usernameLimits = { min: 2, max: 39 } as const;

/** Letters, digits and hyphens, starting and ending with a letter or digit. */
export const usernameShape = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
