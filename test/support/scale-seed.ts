/**
 * Seeds one organization at scale straight in the database (test/node/scale.test.ts, and
 * benches): members with their users and user-side index rows, and pending invitations by
 * email. Each batch is one write transaction of statements that generate their rows in the
 * database (a recursive CTE over a range of numbers), so nothing but the range crosses the
 * wire. The seat counters (org_seat_counts) and the member search index follow on their own:
 * the triggers of migrations 0003 and 0010 run for every row inserted.
 *
 * Every row is made the way the product makes it: memberships keep their copy of the user's
 * name and email; invitation emails are lower-cased and unique among the pending ones; tokens
 * are stored as a SHA-256 (here of a made-up value, so no link opens them).
 */
import type { Client } from "@libsql/client";

export interface ScaleOrg {
  id: string;
  slug: string;
  name: string;
}

export interface SeedOptions {
  /** Rows generated per statement (one statement per table per batch). */
  batch?: number;
  /** A tag that keeps this run's ids and emails apart from any other's. */
  tag: string;
  /** When the rows say they were made (epoch ms). */
  now: number;
  /** Called after each batch (progress). */
  progress?: (table: string, done: number) => void;
}

/** `count` numbers from `first`, as the CTE `n(i)` of one statement. */
const range = (first: number, count: number) =>
  `WITH RECURSIVE n(i) AS (SELECT ${first} UNION ALL SELECT i + 1 FROM n WHERE i < ${first + count - 1})`;

/** Roles of the seeded members: about one in a hundred is an admin, the rest members. */
const roleOf = "CASE WHEN i % 100 = 0 THEN 'admin' ELSE 'member' END";

/** Given names and surnames the seeded members' names are made of (sorted apart from their emails). */
const nameOf = (tag: string) =>
  `(CASE i % 7 WHEN 0 THEN 'Ada' WHEN 1 THEN 'grace' WHEN 2 THEN 'Alan' WHEN 3 THEN 'Barbara' WHEN 4 THEN 'Edsger' WHEN 5 THEN 'frances' ELSE 'Donald' END) || ' ' || ` +
  `(CASE (i / 7) % 5 WHEN 0 THEN 'Lovelace' WHEN 1 THEN 'Hopper' WHEN 2 THEN 'Turing' WHEN 3 THEN 'Liskov' ELSE 'Knuth' END) || ' ${tag} ' || i`;

/** The email of seeded member `i`. */
export const memberEmail = (tag: string, i: number) => `m${i}.${tag}@scale.example.com`;
/** The user id of seeded member `i`. */
export const memberId = (tag: string, i: number) => `usr_scale_${tag}_${i}`;
/** The email of seeded invitation `i`. */
export const inviteeEmail = (tag: string, i: number) => `i${i}.${tag}@invitees.scale.example.com`;

/** `count` members of `org`, each with a user and a user-side membership row. */
export async function seedMembers(db: Client, org: ScaleOrg, count: number, options: SeedOptions): Promise<void> {
  const { tag, now } = options;
  const batch = options.batch ?? 10_000;
  for (let first = 0; first < count; first += batch) {
    const n = Math.min(batch, count - first);
    await db.batch(
      [
        {
          sql: `${range(first, n)} INSERT INTO users (id, email, name, created_at) SELECT 'usr_scale_${tag}_' || i, 'm' || i || '.${tag}@scale.example.com', ${nameOf(tag)}, ? FROM n`,
          args: [now],
        },
        {
          sql:
            `${range(first, n)} INSERT INTO memberships (org_id, user_id, role, title, user_name, user_email, joined_via, joined_at) ` +
            `SELECT ?, 'usr_scale_${tag}_' || i, ${roleOf}, CASE i % 3 WHEN 0 THEN 'Engineer' WHEN 1 THEN 'Analyst' ELSE '' END, ${nameOf(tag)}, 'm' || i || '.${tag}@scale.example.com', 'api', ? FROM n`,
          args: [org.id, now],
        },
        {
          sql: `${range(first, n)} INSERT INTO user_memberships (user_id, org_id, org_slug, org_name, role, joined_at) SELECT 'usr_scale_${tag}_' || i, ?, ?, ?, ${roleOf}, ? FROM n`,
          args: [org.id, org.slug, org.name, now],
        },
      ],
      "write",
    );
    options.progress?.("memberships", first + n);
  }
}

/**
 * `count` pending invitations of `org` by email, made by `createdBy`. Invitation `i` expires
 * at `expiresAt + i × expiresStepMs` (in the future: they hold seats; in the past: the
 * alarm's expiry pass is due) and assigns `projectAssignments`.
 */
export async function seedPendingInvitations(
  db: Client,
  org: ScaleOrg,
  count: number,
  options: SeedOptions & { createdBy: string; expiresAt: number; expiresStepMs?: number; role?: string; projectAssignments?: Array<{ projectId: string; role: string }> },
): Promise<void> {
  const { tag, now } = options;
  const batch = options.batch ?? 10_000;
  const assignments = JSON.stringify(options.projectAssignments ?? []);
  for (let first = 0; first < count; first += batch) {
    const n = Math.min(batch, count - first);
    await db.execute({
      sql:
        `${range(first, n)} INSERT INTO invitations (id, org_id, email, role, project_assignments, status, delivery, token_hash, expires_at, send_count, created_by, created_at) ` +
        // Ids sort by time like the product's (newId): a fixed prefix, then the number zero-padded.
        `SELECT 'inv_scale_${tag}_' || substr('000000000' || i, -9), ?, 'i' || i || '.${tag}@invitees.scale.example.com', ?, ?, 'pending', 'sent', ` +
        `lower(hex(randomblob(32))), ? + i * ?, 1, ?, ? FROM n`,
      args: [org.id, options.role ?? "member", assignments, options.expiresAt, options.expiresStepMs ?? 0, options.createdBy, now],
    });
    options.progress?.("invitations", first + n);
  }
}

/** `invitation.created` audit events of the seeded invitations, as the bulk route would have written them. */
export async function seedAuditEvents(db: Client, org: ScaleOrg, count: number, options: SeedOptions & { actorId: string }): Promise<void> {
  const { tag, now } = options;
  const batch = options.batch ?? 10_000;
  for (let first = 0; first < count; first += batch) {
    const n = Math.min(batch, count - first);
    await db.execute({
      sql:
        `${range(first, n)} INSERT INTO audit_events (org_id, actor_type, actor_id, action, target_type, target_id, data, at) ` +
        `SELECT ?, 'user', ?, 'invitation.created', 'invitation', 'inv_scale_${tag}_' || substr('000000000' || i, -9), ` +
        `json_object('email', 'i' || i || '.${tag}@invitees.scale.example.com', 'role', 'member'), ? FROM n`,
      args: [org.id, options.actorId, now],
    });
    options.progress?.("audit_events", first + n);
  }
}

/** Makes seeded members `0 … count - 1` members of project `projectId` with `role`. */
export async function seedProjectMembers(db: Client, org: ScaleOrg, projectId: string, count: number, options: SeedOptions & { role?: string }): Promise<void> {
  const { tag, now } = options;
  const batch = options.batch ?? 10_000;
  for (let first = 0; first < count; first += batch) {
    const n = Math.min(batch, count - first);
    await db.execute({
      sql: `${range(first, n)} INSERT INTO project_members (project_id, org_id, user_id, role, created_at) SELECT ?, ?, 'usr_scale_${tag}_' || i, ?, ? FROM n`,
      args: [projectId, org.id, options.role ?? "use", now],
    });
    options.progress?.("project_members", first + n);
  }
}
