/**
 * The members list's query: a page in name or email order, filtered by role and searched by
 * substring, and how many members match. It answers within a few milliseconds at any
 * organization size (docs/decisions/0012-member-search.md):
 *
 * - the page seeks on the sort index from its cursor (no walk from the first member);
 * - a search reads the fts5 trigram index (`member_search`, migration 0010): the rows it found
 *   when they are few; else it walks the sort index keeping those rows; and when most of the
 *   organization matches, it walks the sort index keeping what LIKE matches;
 * - the total is a kept count (org_seat_counts) or a count over the few rows a search found;
 *   when a search matches too many rows to count cheaply, it is an estimate, marked as such.
 */
import { and, asc, desc, eq, or, sql, type SQL } from "drizzle-orm";
import { memberships, orgSeatCounts, type Membership } from "../../../db/schema/index.ts";
import type { Role } from "../../domain/roles.ts";
import type { LibSQLDatabase } from "drizzle-orm/libsql";

export interface MemberQuery {
  orgId: string;
  q?: string | undefined;
  role?: Role | undefined;
  sort: "name" | "email";
  order: "asc" | "desc";
  /** The last row of the previous page: its sort key and user id. */
  after?: [string, string] | undefined;
  limit: number;
}

export interface MemberPageRows {
  rows: Array<{ member: Membership; key: string }>;
  total: number;
  /** False: `total` is an estimate (a search that matches too many members to count them). */
  totalExact: boolean;
}

/** Where a search changes its way (tests lower them to reach each way with a few rows). */
export interface SearchLimits {
  /** Up to this many members (of the role asked), a search reads them all: cheap, and exact. */
  small: number;
  /** A search the trigram index answers with at most this many rows (of any organization) reads those rows: exact. */
  narrow: number;
  /**
   * Up to this many rows from the index, a wider search walks the sort index keeping the
   * rows the index found (a set of rowids: no row is read but the page's); past it, most of
   * the organization matches and the walk keeps what LIKE matches.
   */
  indexed: number;
  /** How many rows of the sort index a wide search samples to estimate its total. */
  sample: number;
}

export const searchLimits: SearchLimits = { small: 500, narrow: 10_000, indexed: 40_000, sample: 500 };

/** `%` and `_` in a search are literal. */
const likePattern = (q: string) => `%${q.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

/** An fts5 phrase: the trigram tokenizer matches it as a substring of any column, in any case. */
const phrase = (q: string) => `"${q.replaceAll('"', '""')}"`;

/** Substring of name, email, title or username, ASCII case folded (SQLite's LIKE). */
function likeAny(q: string): SQL {
  const pattern = likePattern(q);
  return or(
    sql`${memberships.userName} LIKE ${pattern} ESCAPE '\\'`,
    sql`${memberships.userEmail} LIKE ${pattern} ESCAPE '\\'`,
    sql`${memberships.title} LIKE ${pattern} ESCAPE '\\'`,
    sql`${memberships.userUsername} LIKE ${pattern} ESCAPE '\\'`,
  ) as SQL;
}

/** The rowids whose name, email, title or username holds `q` (three characters or more), in any organization. */
const indexed = (q: string) => sql`SELECT rowid FROM member_search WHERE member_search MATCH ${phrase(q)}`;

export async function queryMembers(db: LibSQLDatabase, query: MemberQuery, limits: SearchLimits = searchLimits): Promise<MemberPageRows> {
  const { orgId, role, sort, order, after, limit } = query;
  const q = query.q ?? "";
  const key = sort === "name" ? sql<string>`lower(${memberships.userName})` : sql<string>`${memberships.userEmail}`;
  const direction = order === "asc" ? asc : desc;
  const sorted = [direction(key), direction(memberships.userId)] as const;
  const inOrg: SQL[] = [eq(memberships.orgId, orgId)];
  if (role) inOrg.push(eq(memberships.role, role));
  // Seek: the first term bounds the index range, the second breaks ties on the user id.
  const seek: SQL[] = after
    ? order === "asc"
      ? [sql`${key} >= ${after[0]}`, sql`(${key} > ${after[0]} OR ${memberships.userId} > ${after[1]})`]
      : [sql`${key} <= ${after[0]}`, sql`(${key} < ${after[0]} OR ${memberships.userId} < ${after[1]})`]
    : [];
  const page = (where: SQL[]) => db.select({ member: memberships, key }).from(memberships).where(and(...where)).orderBy(...sorted).limit(limit + 1);
  const countOf = (where: SQL[]) => db.select({ n: sql<number>`count(*)` }).from(memberships).where(and(...where));
  // How many members of the role asked, or of the organization: an index count, or the kept one.
  const members = role ? countOf(inOrg) : db.select({ n: orgSeatCounts.members }).from(orgSeatCounts).where(eq(orgSeatCounts.orgId, orgId));

  if (!q) {
    const [rows, [counted]] = await db.batch([page([...inOrg, ...seek]), members]);
    return { rows, total: counted?.n ?? 0, totalExact: true };
  }

  // Fewer than three characters hold no trigram: such a search walks the organization.
  const trigrams = [...q].length >= 3;
  const [[size], [found]] = await db.batch([
    members,
    // Capped: past `limits.indexed` rows, how wide no longer matters.
    db.select({ n: sql<number>`count(*)` }).from(sql`(${trigrams ? indexed(q) : sql`SELECT 1 WHERE 0`} LIMIT ${Math.max(limits.narrow, limits.indexed) + 1})`),
  ]);
  const population = size?.n ?? 0;
  const candidates = found?.n ?? 0;

  if (population <= limits.small || (trigrams && candidates <= limits.narrow)) {
    // Few rows to read, the members or the rows the index found: read each once, counting
    // them all (the window) before keeping the page after the cursor. Exact. The index folds
    // case beyond ASCII; LIKE keeps the answer the same whichever way the search went.
    // (`+org_id`: look the candidates up by rowid rather than walk the organization's index.)
    const narrowed =
      population <= limits.small
        ? [...inOrg, likeAny(q)]
        : [sql`${memberships}.rowid IN (${indexed(q)})`, sql`+${memberships.orgId} = ${orgId}`, ...(role ? [sql`+${memberships.role} = ${role}`] : []), likeAny(q)];
    // The matches carry only what orders and counts them; the page's rows are read in full after.
    const found = db
      .select({ rid: sql<number>`${memberships}.rowid`.as("rid"), k: key.as("k"), uid: sql<string>`${memberships.userId}`.as("uid"), total: sql<number>`count(*) OVER ()`.as("total") })
      .from(memberships)
      .where(and(...narrowed))
      .as("found");
    const rest = after ? (order === "asc" ? sql`(${found.k}, ${found.uid}) > (${after[0]}, ${after[1]})` : sql`(${found.k}, ${found.uid}) < (${after[0]}, ${after[1]})`) : undefined;
    const shown = db.select().from(found).where(rest).orderBy(direction(found.k), direction(found.uid)).limit(limit + 1).as("shown");
    const rows = await db
      .select({ member: memberships, key: shown.k, total: shown.total })
      .from(shown)
      .innerJoin(memberships, sql`${memberships}.rowid = ${shown.rid}`)
      .orderBy(direction(shown.k), direction(shown.uid));
    // A page after the last match counts nothing: count them again (rare: a cursor past the end).
    const total = rows[0]?.total ?? (after ? ((await countOf(narrowed))[0]?.n ?? 0) : 0);
    return { rows: rows.map(({ member, key }) => ({ member, key })), total, totalExact: true };
  }

  if (trigrams && candidates <= limits.indexed) {
    // Many rows, but not most of the organization, and they may sit together in the sort
    // order (the Smiths): walk the sort index keeping the rowids the index found. The walk
    // reads index entries only; the rows read are the page's. The index's count, across
    // organizations and before LIKE, is the estimate: at least as many as match.
    const rows = await page([...inOrg, sql`${memberships}.rowid IN (${indexed(q)})`, likeAny(q), ...seek]);
    if (!after && rows.length <= limit) return { rows, total: rows.length, totalExact: true };
    return { rows, total: Math.max(Math.min(candidates, population), rows.length), totalExact: false };
  }

  // Many rows match (or the search is too short for the index): walk the sort index from the
  // cursor and keep the rows LIKE matches, which are many, so a page fills soon. The total is
  // estimated from how many of the next `limits.sample` rows match.
  const hit = likeAny(q);
  const sample = db
    .select({ hits: sql<number>`coalesce(sum(hit), 0)`, read: sql<number>`count(*)` })
    .from(db.select({ hit: sql<number>`(${hit})`.as("hit") }).from(memberships).where(and(...inOrg, ...seek)).orderBy(...sorted).limit(limits.sample).as("sample"));
  const [rows, [sampled]] = await db.batch([page([...inOrg, hit, ...seek]), sample]);
  const read = sampled?.read ?? 0;
  const hits = sampled?.hits ?? 0;
  // From the first member on, a sample that ran out read them all, and a page that is the last
  // holds them all: those counts are exact.
  if (!after && read < limits.sample) return { rows, total: hits, totalExact: true };
  if (!after && rows.length <= limit) return { rows, total: rows.length, totalExact: true };
  const estimate = read === 0 ? 0 : Math.round((hits / read) * population);
  return { rows, total: Math.max(estimate, rows.length), totalExact: false };
}
