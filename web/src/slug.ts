/**
 * Organization slugs as the server checks them (worker/domain/slugs.ts): 2–48 of a–z, 0–9
 * and inner single hyphens, not a reserved word. The server stays the judge; this lets
 * the form say so before sending.
 */
export const slugLimits = { min: 2, max: 48 } as const;

const reserved = new Set(["api", "auth", "new", "me", "settings", "invitations", "join", "admin", "docs", "static", "assets"]);
const shape = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/** What is wrong with `slug`, or null when the server should accept it. */
export function slugProblem(slug: string): string | null {
  if (slug.length === 0) return "Choose a slug for the organization's address.";
  if (slug.length < slugLimits.min) return `Use at least ${slugLimits.min} characters.`;
  if (slug.length > slugLimits.max) return `Use at most ${slugLimits.max} characters.`;
  if (!shape.test(slug)) return "Use lower-case letters, digits and inner hyphens.";
  if (slug.includes("--")) return "Use single hyphens.";
  if (reserved.has(slug)) return "This slug is reserved.";
  return null;
}

/** A slug derived from a name: "Café Zürich & Co." → "cafe-zurich-co". */
export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+/, "")
    .slice(0, slugLimits.max)
    .replace(/-+$/, "");
}

/** What is wrong with an organization name, or null. */
export function nameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed.length === 0) return "Enter the organization's name.";
  if (trimmed.length > 100) return "Use at most 100 characters.";
  return null;
}
