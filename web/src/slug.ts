import { orgNameMaxLength } from "../../worker/domain/org.ts";
import { slugLimits } from "../../worker/domain/slugs.ts";

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
  if (trimmed.length > orgNameMaxLength) return `Use at most ${orgNameMaxLength} characters.`;
  return null;
}
