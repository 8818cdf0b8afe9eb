import { z } from "@hono/zod-openapi";
import { AppError } from "../errors.ts";

/**
 * An opaque cursor over a list ordered by a text key and an id (`[key, id]` of the last row
 * of the previous page): the next page seeks past it instead of counting rows, so a page
 * costs the same at any depth. Clients pass `nextCursor` back unchanged.
 */
const Pair = z.tuple([z.string(), z.string()]);

export function encodePairCursor(key: string, id: string): string {
  return btoa(encodeURIComponent(JSON.stringify([key, id])));
}

/** The `[key, id]` a cursor carries; a cursor that is not one answers 400 `validation_failed`. */
export function decodePairCursor(cursor: string): [string, string] {
  try {
    const parsed = Pair.safeParse(JSON.parse(decodeURIComponent(atob(cursor))));
    if (parsed.success) return parsed.data;
  } catch {
    // Fall through to the error below.
  }
  throw new AppError("validation_failed", "The cursor is not valid.", { issues: [{ path: "cursor", message: "Invalid cursor" }] });
}

/** The query's `cursor` field: the previous page's `nextCursor`. */
export const PageCursor = z.string().max(600).optional().openapi({ description: "`nextCursor` of the previous page" });

/** The answer's `nextCursor`: pass it as `cursor` for the next page; null on the last page. */
export const NextCursor = z.string().nullable().openapi({ description: "The next page's `cursor`; null on the last page" });

/** A page's rows and its next cursor, from `limit + 1` rows read. */
export function pageOf<T>(rows: T[], limit: number, cursorOf: (last: T) => string): { shown: T[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  const last = shown.at(-1);
  return { shown, nextCursor: more && last !== undefined ? cursorOf(last) : null };
}
