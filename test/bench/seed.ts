/**
 * Large organizations written straight into the database, for the benches that measure them
 * (members.ts, scale.ts): people (users, memberships, user_memberships, as
 * test/worker/members.test.ts's seedPeople writes them) and pending invitations, in
 * multi-row INSERTs, a few thousand rows per transaction.
 *
 * The seat counters (org_seat_counts) and the member search index follow by themselves: the
 * database's triggers keep them in step with every row inserted (migrations 0003 and 0010).
 * Write the organization's seat limit before its room first starts, and seed before it too:
 * the room learns of rows written behind its back only when it loads them.
 */
import type { Client } from "@libsql/client";

/** Every ADMIN_EVERY-th member is an admin (~1,000 of 100,000). */
export const ADMIN_EVERY = 100;
/** Ten members spread over the list carry this word in their name (member search's rare hit). */
export const RARE = "Quokkafeld";
/** A search that matches nobody. */
export const NOTHING = "zzqx-nobody";
/** Transactions of this many people or invitations. */
const BATCH = 2_000;
/** Rows per statement (8 columns: 4,000 variables, under SQLite's 32,766). */
const CHUNK = 500;

const firstNames = ["Ada", "grace", "Alan", "Barbara", "Edsger", "frances", "Donald", "Margaret", "Ken", "Radia", "Tim", "Shafi", "Niklaus", "Sophie", "Linus", "Hedy"];
const lastNames = ["Lovelace", "Hopper", "Turing", "Liskov", "dijkstra", "Allen", "Knuth", "Hamilton", "Thompson", "Perlman", "Berners-Lee", "Goldwasser", "Wirth", "Wilson", "Torvalds", "Lamarr", "Kay", "Ritchie"];
const titles = ["Engineer", "Designer", "Analyst", "Manager", "Writer", "Support", ""];

/** A spread-out, repeatable number for item i (names and emails sort differently). */
const mix = (i: number): number => (Math.imul(i ^ 0x5bd1e995, 0x27d4eb2d) >>> 0) ^ (i * 2654435761) >>> 0;

export interface SeedOrg {
  id: string;
  slug: string;
  name: string;
}

/** Member i of `count` people tagged `tag` (unique per organization and run). */
export function person(i: number, count: number, tag: string) {
  const h = mix(i) >>> 0;
  const rareEvery = Math.max(1, Math.floor(count / 10));
  const rare = i % rareEvery === rareEvery - 1;
  const name = `${firstNames[h % firstNames.length]} ${rare ? RARE : lastNames[(h >>> 8) % lastNames.length]} ${i}`;
  return {
    userId: `usr_bm_${tag}_${i}`,
    email: `p${(h >>> 4).toString(36)}.${i}.${tag}@members.bench.example.com`,
    name,
    title: titles[(h >>> 16) % titles.length]!,
    role: i % ADMIN_EVERY === 0 ? "admin" : "member",
  };
}

const values = (rows: number, columns: number): string => Array.from({ length: rows }, () => `(${Array(columns).fill("?").join(", ")})`).join(", ");

/**
 * Runs `statementsFor(start, end)` for [0, count) in transactions of BATCH items, CHUNK per
 * statement. Rows written behind the organization's room move its room version, so a room
 * that already built its index rebuilds it (docs/decisions/0016-room-index-and-overlapping-commits.md).
 */
async function inBatches(db: Client, orgId: string, count: number, chunkStatements: (start: number, end: number) => Array<{ sql: string; args: Array<string | number | null> }>): Promise<{ ms: number }> {
  const t0 = performance.now();
  for (let start = 0; start < count; start += BATCH) {
    const statements = [];
    const end = Math.min(count, start + BATCH);
    for (let s = start; s < end; s += CHUNK) statements.push(...chunkStatements(s, Math.min(end, s + CHUNK)));
    statements.push({ sql: "UPDATE organizations SET room_version = room_version + 1 WHERE id = ?", args: [orgId] });
    await db.batch(statements, "write");
  }
  return { ms: Math.round(performance.now() - t0) };
}

/** `count` people as members of `org`: their users, memberships and user_memberships rows. */
export function seedMembers(db: Client, org: SeedOrg, count: number, tag: string): Promise<{ ms: number }> {
  const now = Date.now();
  return inBatches(db, org.id, count, (from, to) => {
    const people = Array.from({ length: to - from }, (_, k) => person(from + k, count, tag));
    return [
      { sql: `INSERT INTO users (id, email, name, created_at) VALUES ${values(people.length, 4)}`, args: people.flatMap((p) => [p.userId, p.email, p.name, now]) },
      {
        sql: `INSERT INTO memberships (org_id, user_id, role, title, user_name, user_email, joined_via, joined_at) VALUES ${values(people.length, 8)}`,
        args: people.flatMap((p) => [org.id, p.userId, p.role, p.title, p.name, p.email, "api", now]),
      },
      {
        sql: `INSERT INTO user_memberships (user_id, org_id, org_slug, org_name, role, joined_at) VALUES ${values(people.length, 6)}`,
        args: people.flatMap((p) => [p.userId, org.id, org.slug, org.name, p.role, now]),
      },
    ];
  });
}

/**
 * `count` pending invitations by email to `org` from `createdBy`, as if mailed already (no
 * outbox rows): one per address, role member, expiring over the next one to seven days.
 */
export function seedPendingInvitations(db: Client, org: SeedOrg, count: number, tag: string, createdBy: string): Promise<{ ms: number }> {
  const now = Date.now();
  const hour = 3_600_000;
  return inBatches(db, org.id, count, (from, to) => {
    const rows = Array.from({ length: to - from }, (_, k) => from + k);
    return [
      {
        sql: `INSERT INTO invitations (id, org_id, email, role, status, delivery, token_hash, expires_at, send_count, last_sent_at, created_by, created_at) VALUES ${values(rows.length, 12)}`,
        args: rows.flatMap((i) => [
          `inv_bs_${tag}_${i}`,
          org.id,
          `invitee.${i}.${tag}@pending.bench.example.com`,
          "member",
          "pending",
          "sent",
          `bench-token-${tag}-${i}`,
          now + 24 * hour + ((mix(i) >>> 0) % (6 * 24)) * hour,
          1,
          now,
          createdBy,
          now,
        ]),
      },
    ];
  });
}

/** The organization's rows as the database counts them, and its seat counters. */
export async function countSeeded(db: Client, orgId: string): Promise<{ memberships: number; user_memberships: number; pending: number; counter_members: number; counter_pending: number }> {
  const one = async (sql: string): Promise<number> => Number((await db.execute({ sql, args: [orgId] })).rows[0]?.n);
  return {
    memberships: await one("SELECT count(*) AS n FROM memberships WHERE org_id = ?"),
    user_memberships: await one("SELECT count(*) AS n FROM user_memberships WHERE org_id = ?"),
    pending: await one("SELECT count(*) AS n FROM invitations WHERE org_id = ? AND status = 'pending'"),
    counter_members: await one("SELECT members AS n FROM org_seat_counts WHERE org_id = ?"),
    counter_pending: await one("SELECT pending AS n FROM org_seat_counts WHERE org_id = ?"),
  };
}
