import { eq } from "drizzle-orm";
import { organizations } from "../../db/schema/index.ts";
import type { Bindings } from "../env.ts";
import { AppError } from "../errors.ts";
import { userDatabase } from "../lib/database.ts";

// Slugs are immutable, so slug → id can be cached for the isolate's life without going
// stale; only lookups that find an organization are cached.
const ids = new Map<string, string>();

/**
 * The immutable id of the organization a URL names by slug. Unknown slugs answer
 * `not_found` — the same answer a non-member gets for an existing one.
 */
export async function resolveOrgId(env: Bindings, slug: string): Promise<string> {
  const cached = ids.get(slug);
  if (cached) return cached;
  // The slug directory is global, like the user side: one lookup, then cached.
  const [row] = await userDatabase(env)
    .select({ id: organizations.id })
    .from(organizations)
    .where(eq(organizations.slug, slug.toLowerCase()));
  if (!row) throw new AppError("not_found", "No such organization.");
  ids.set(slug, row.id);
  return row.id;
}
