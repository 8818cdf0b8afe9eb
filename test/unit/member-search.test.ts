import { drizzle } from "drizzle-orm/libsql";
import { beforeAll, describe, expect, it } from "vitest";
import { queryMembers, type MemberPageRows, type MemberQuery, type SearchLimits } from "../../worker/routes/members/search.ts";
import { migratedDatabase } from "./support/migrated-database.ts";

// worker/routes/members/search.ts against a real migrated database, with its limits lowered
// so that a few hundred members reach each of its ways (read them all, read what the trigram
// index found, walk the sort index), each checked against the plain answer computed here.
const database = migratedDatabase("member-search-query");

interface Person {
  userId: string;
  role: "owner" | "admin" | "member" | "restricted";
  name: string;
  email: string;
  title: string;
  username: string | null;
}

const first = ["Ada", "grace", "Alan", "Edsger", "Radia", "Émile", "Zoë", "Smith", "Li"];
const last = ["Lovelace", "Hopper", "Turing", "dijkstra", "Perlman", "Smith", "O'Neil", "100% Done", "snake_case"];
const titles = ["Engineer", "Rear Admiral", "", "Analyst", "Smithy"];
const roles = ["admin", "member", "member", "member", "restricted"] as const;

function people(org: string, n: number): Person[] {
  return Array.from({ length: n }, (_, i) => ({
    userId: `usr_${org}_${String(i).padStart(4, "0")}`,
    role: i === 0 ? "owner" : roles[(i * 7) % roles.length]!,
    name: `${first[(i * 5) % first.length]} ${last[(i * 3) % last.length]} ${i}`,
    email: `${first[(i * 5) % first.length]!.toLowerCase()}.${i}@${i % 2 ? "example.com" : "navy.mil"}`,
    title: titles[i % titles.length]!,
    username: i % 4 === 0 ? null : `user${i}`,
  }));
}

async function seed(org: string, members: Person[]): Promise<void> {
  const client = database.client;
  await client.execute({ sql: "INSERT INTO organizations (id, slug, name, seat_limit, created_at, updated_at) VALUES (?, ?, ?, 100000, 0, 0)", args: [org, org.replace("_", "-"), org] });
  await client.batch(
    members.map((p) => ({
      sql: "INSERT INTO memberships (org_id, user_id, role, user_name, user_email, title, user_username, joined_via, joined_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'api', 0)",
      args: [org, p.userId, p.role, p.name, p.email, p.title, p.username],
    })),
    "write",
  );
}

/** What the list should answer: SQLite's LIKE folds ASCII case only, and so does this. */
function expected(members: Person[], query: Omit<MemberQuery, "orgId" | "after" | "limit">): Person[] {
  const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const q = fold(query.q ?? "");
  const key = (p: Person) => (query.sort === "name" ? fold(p.name) : p.email);
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return members
    .filter((p) => !query.role || p.role === query.role)
    .filter((p) => !q || [p.name, p.email, p.title, p.username ?? ""].some((field) => fold(field).includes(q)))
    .sort((a, b) => (query.order === "asc" ? 1 : -1) * (cmp(key(a), key(b)) || cmp(a.userId, b.userId)));
}

/** Every page of `query`, following the cursor as the route does. */
async function allPages(org: string, query: Omit<MemberQuery, "orgId" | "after">, limits: SearchLimits): Promise<{ ids: string[]; pages: MemberPageRows[] }> {
  const db = drizzle(database.client);
  const ids: string[] = [];
  const pages: MemberPageRows[] = [];
  let after: [string, string] | undefined;
  for (;;) {
    const page = await queryMembers(db, { orgId: org, ...query, after }, limits);
    pages.push(page);
    const shown = page.rows.slice(0, query.limit);
    ids.push(...shown.map((r) => r.member.userId));
    if (page.rows.length <= query.limit) return { ids, pages };
    const last = shown.at(-1)!;
    after = [last.key, last.member.userId];
    expect(pages.length).toBeLessThan(500);
  }
}

const ORG = "org_big";
const OTHER = "org_other";
const big = people(ORG, 400);

describe("queryMembers", () => {
  beforeAll(async () => {
    await seed(ORG, big);
    // Another organization whose members match the same searches: never shown, never counted.
    await seed(OTHER, people(OTHER, 60));
  });

  const searches = ["", "smith", "SMITH", "lovelace 1", "example.com", "rear adm", "100% d", "snake_case", "o'neil", "a", "%", "_", "zz", "qqq", "émile", "user3", "navy.mil"];
  const ways: Record<string, SearchLimits> = {
    "reading every member (a small organization)": { small: 1_000, narrow: 10_000, indexed: 40_000, sample: 500 },
    "reading the rows the trigram index found": { small: 10, narrow: 10_000, indexed: 40_000, sample: 500 },
    "walking the sort index, keeping the rows the trigram index found": { small: 10, narrow: 5, indexed: 10_000, sample: 50 },
    "walking the sort index, keeping what LIKE matches (a wide search)": { small: 10, narrow: 5, indexed: 5, sample: 50 },
  };

  for (const [way, limits] of Object.entries(ways)) {
    it(`pages through every search, role, sort and order exactly, ${way}`, async () => {
      for (const q of searches) {
        for (const role of [undefined, "member", "admin"] as const) {
          for (const [sort, order] of [["name", "asc"], ["email", "desc"]] as const) {
            const query = { q, role, sort, order, limit: 7 };
            const want = expected(big, query);
            const { ids, pages } = await allPages(ORG, query, limits);
            expect(ids, JSON.stringify(query)).toEqual(want.map((p) => p.userId));
            const first = pages[0]!;
            if (first.totalExact) expect(first.total, JSON.stringify(query)).toBe(want.length);
            else {
              // An estimate: at least what the page shows, at most the members asked about.
              expect(first.total, JSON.stringify(query)).toBeGreaterThanOrEqual(Math.min(want.length, query.limit));
              expect(first.total, JSON.stringify(query)).toBeLessThanOrEqual(big.length);
            }
          }
        }
      }
    });
  }

  it("counts exactly when it reads the members or the index's rows, and says so", async () => {
    const db = drizzle(database.client);
    const narrow = await queryMembers(db, { orgId: ORG, q: "lovelace", sort: "name", order: "asc", limit: 5 }, ways["reading the rows the trigram index found"]!);
    expect(narrow).toMatchObject({ total: expected(big, { q: "lovelace", sort: "name", order: "asc" }).length, totalExact: true });
    // A page after the cursor still counts every match.
    const last = narrow.rows[4]!;
    const next = await queryMembers(db, { orgId: ORG, q: "lovelace", sort: "name", order: "asc", limit: 5, after: [last.key, last.member.userId] }, ways["reading the rows the trigram index found"]!);
    expect(next.total).toBe(narrow.total);
  });

  it("estimates a wide search's total from a sample, and marks it as an estimate", async () => {
    const db = drizzle(database.client);
    const wide = await queryMembers(db, { orgId: ORG, q: "a", sort: "name", order: "asc", limit: 5 }, { small: 10, narrow: 5, indexed: 5, sample: 50 });
    const exact = expected(big, { q: "a", sort: "name", order: "asc" }).length;
    expect(wide.totalExact).toBe(false);
    // Drawn from 50 of 400 rows: near, not equal (the names sort by first name, which the sample favours).
    expect(wide.total).toBeGreaterThan(exact / 3);
    expect(wide.total).toBeLessThanOrEqual(big.length);
    // A sample that reads every member from the first on is a count.
    const all = await queryMembers(db, { orgId: ORG, q: "a", sort: "name", order: "asc", limit: 5 }, { small: 10, narrow: 5, indexed: 5, sample: 1_000 });
    expect(all).toMatchObject({ total: exact, totalExact: true });
  });

  it("answers the kept count without a search, and a role's count with one", async () => {
    const db = drizzle(database.client);
    expect(await queryMembers(db, { orgId: ORG, sort: "name", order: "asc", limit: 5 })).toMatchObject({ total: 400, totalExact: true });
    expect(await queryMembers(db, { orgId: ORG, role: "admin", sort: "name", order: "asc", limit: 5 })).toMatchObject({ total: big.filter((p) => p.role === "admin").length, totalExact: true });
  });
});
