import type { Invitation } from "../../db/schema/index.ts";
import { projectNameKey, type ProjectEntry } from "../domain/projects.ts";
import type { Role } from "../domain/roles.ts";
import type { Scope } from "../domain/scopes.ts";

export interface KeyEntry {
  id: string;
  scopes: Scope[];
  createdBy: string;
}

/** A member as the room keeps them: enough to authorize, refuse a duplicate and sign mail. */
export interface MemberEntry {
  userId: string;
  role: Role;
  /** Lower-cased. */
  email: string;
  name: string;
}

/** The index's tables in the Durable Object's SQLite storage. */
const schema = [
  "CREATE TABLE IF NOT EXISTS ix_meta (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)",
  "CREATE TABLE IF NOT EXISTS ix_members (user_id TEXT PRIMARY KEY, role TEXT NOT NULL, email TEXT NOT NULL, name TEXT NOT NULL) WITHOUT ROWID",
  "CREATE INDEX IF NOT EXISTS ix_members_email ON ix_members (email)",
  "CREATE INDEX IF NOT EXISTS ix_members_owner ON ix_members (role) WHERE role = 'owner'",
  "CREATE TABLE IF NOT EXISTS ix_keys (hash TEXT PRIMARY KEY, id TEXT NOT NULL, scopes TEXT NOT NULL, created_by TEXT NOT NULL) WITHOUT ROWID",
  "CREATE INDEX IF NOT EXISTS ix_keys_id ON ix_keys (id)",
  "CREATE INDEX IF NOT EXISTS ix_keys_creator ON ix_keys (created_by)",
  "CREATE TABLE IF NOT EXISTS ix_pending (id TEXT PRIMARY KEY, invitee TEXT NOT NULL, expires_at INTEGER NOT NULL, data TEXT NOT NULL) WITHOUT ROWID",
  "CREATE INDEX IF NOT EXISTS ix_pending_invitee ON ix_pending (invitee)",
  "CREATE INDEX IF NOT EXISTS ix_pending_expiry ON ix_pending (expires_at)",
  "CREATE TABLE IF NOT EXISTS ix_projects (id TEXT PRIMARY KEY, name TEXT NOT NULL, name_key TEXT NOT NULL, visibility TEXT NOT NULL, personal_user_id TEXT) WITHOUT ROWID",
  "CREATE INDEX IF NOT EXISTS ix_projects_name ON ix_projects (name_key)",
  "CREATE INDEX IF NOT EXISTS ix_projects_personal ON ix_projects (personal_user_id) WHERE personal_user_id IS NOT NULL",
];

/** Each table's key column. */
const keyOf = { ix_members: "user_id", ix_keys: "hash", ix_pending: "id", ix_projects: "id" } as const;
type Table = keyof typeof keyOf;
const tables = Object.keys(keyOf) as Table[];
type Row = Record<string, SqlStorageValue>;

/** One change of a row not yet written to the storage: the row before and after it (null: none). */
interface Change {
  table: Table;
  key: string;
  before: Row | null;
  after: Row | null;
}

/**
 * Whom an invitation is for, as the inviter named them: an account (by username) or an
 * email address. Invitations are duplicates only within one kind: were a username and an
 * address compared, the answer would tell the inviter whose account has which email.
 */
export function inviteeKey(invitation: { inviteeUserId: string | null; email: string }): string {
  return invitation.inviteeUserId ? `user:${invitation.inviteeUserId}` : `email:${invitation.email}`;
}

/**
 * The room's index of its organization — members and roles, API key hashes, pending
 * invitations by invitee and by expiry, projects — kept in the Durable Object's own SQLite
 * storage (synchronous, local, kept across hibernation and eviction), so a room holds none
 * of it in JavaScript memory and starts at the same cost at any size (decision 16).
 *
 * Commands change it as they plan, before their transaction commits: the changes go to an
 * overlay in memory, which every read looks through, logged so that a failed commit's can
 * be taken back ({@link rollback}). Only once a transaction committed are its changes
 * written to the storage, in one turn with the database version they reflect
 * ({@link committed}). A room that dies between the database's commit and that write finds
 * the storage's version behind the database's on its next start, and rebuilds the index.
 */
export class RoomIndex {
  readonly #sql: SqlStorage;
  /** Every change not yet written to the storage, in order. */
  readonly #log: Change[] = [];
  /** Changes written or taken back so far: marks count from the first change ever. */
  #forgotten = 0;
  /** Each table's rows as the changes in the log leave them (null: deleted), with how many changes touch each. */
  readonly #overlay: Record<Table, Map<string, { row: Row | null; changes: number }>> = { ix_members: new Map(), ix_keys: new Map(), ix_pending: new Map(), ix_projects: new Map() };
  #memberCount: number | undefined;
  #seatCache: { count: number; since: number; validUntil: number } | undefined;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    for (const statement of schema) sql.exec(statement);
  }

  // ── Version, changes and the storage ───────────────────────────────────────────────

  /** The database version the storage's index reflects, or null when it was never built. */
  version(): number | null {
    return this.#sql.exec<{ version: number }>("SELECT version FROM ix_meta").toArray()[0]?.version ?? null;
  }

  /** A position in the changes: {@link rollback} takes back every change after it. */
  mark(): number {
    return this.#forgotten + this.#log.length;
  }

  /** Takes back every change made since `mark`, newest first. */
  rollback(mark: number): void {
    while (this.#forgotten + this.#log.length > mark) {
      const { table, key, before } = this.#log.pop()!;
      const entry = this.#overlay[table].get(key)!;
      entry.changes--;
      if (entry.changes === 0) this.#overlay[table].delete(key);
      else entry.row = before;
    }
    this.#memberCount = undefined;
    this.#seatCache = undefined;
  }

  /**
   * The changes up to `mark` are committed at database version `version`: they are written to
   * the storage with that version, in this turn, and leave the overlay (unless a later change
   * touches the same row).
   */
  committed(mark: number, version: number): void {
    const done = this.#log.splice(0, mark - this.#forgotten);
    this.#forgotten = mark;
    const last = new Map<string, Change>();
    for (const change of done) last.set(`${change.table}\u0000${change.key}`, change);
    for (const change of last.values()) {
      if (change.after) this.#write(change.table, change.after);
      else this.#sql.exec(`DELETE FROM ${change.table} WHERE ${keyOf[change.table]} = ?`, change.key);
    }
    for (const change of done) {
      const entry = this.#overlay[change.table].get(change.key)!;
      if (--entry.changes === 0) this.#overlay[change.table].delete(change.key);
    }
    this.#sql.exec("INSERT INTO ix_meta (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version", version);
  }

  /** Changes not yet known committed. */
  get pendingChanges(): number {
    return this.#log.length;
  }

  /** Empties the index (storage and changes): a rebuild ({@link rebuilt}) fills it again. */
  clear(): void {
    this.#forgotten += this.#log.length;
    this.#log.length = 0;
    for (const table of tables) this.#overlay[table].clear();
    this.#memberCount = undefined;
    this.#seatCache = undefined;
    this.#sql.exec("DELETE FROM ix_meta");
    for (const table of tables) this.#sql.exec(`DELETE FROM ${table}`);
  }

  /** A rebuild finished: the index reflects database version `version`. */
  rebuilt(version: number): void {
    this.#sql.exec("INSERT INTO ix_meta (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version", version);
  }

  #write(table: Table, row: Row): void {
    const columns = Object.keys(row);
    this.#sql.exec(`INSERT OR REPLACE INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`, ...columns.map((c) => row[c]!));
  }

  /** The row `key` of `table` as the storage has it, under no change. */
  #stored(table: Table, key: string): Row | null {
    return this.#sql.exec<Row>(`SELECT * FROM ${table} WHERE ${keyOf[table]} = ?`, key).toArray()[0] ?? null;
  }

  /** The row `key` of `table` as the changes leave it. */
  #row(table: Table, key: string): Row | null {
    const entry = this.#overlay[table].get(key);
    return entry ? entry.row : this.#stored(table, key);
  }

  #change(table: Table, key: string, after: Row | null): void {
    const before = this.#row(table, key);
    this.#log.push({ table, key, before, after });
    const entry = this.#overlay[table].get(key);
    if (entry) {
      entry.row = after;
      entry.changes++;
    } else {
      this.#overlay[table].set(key, { row: after, changes: 1 });
    }
  }

  /**
   * The rows of `table` the storage answers for a query, as the changes leave them: those a
   * change touched are dropped from `stored`, and the changed rows that `match` are added.
   */
  #merged(table: Table, stored: Row[], match: (row: Row) => boolean): Row[] {
    const overlay = this.#overlay[table];
    if (overlay.size === 0) return stored;
    const rows = stored.filter((row) => !overlay.has(String(row[keyOf[table]])));
    for (const { row } of overlay.values()) if (row && match(row)) rows.push(row);
    return rows;
  }

  /** A count the storage answers, as the changes leave it: `matches` says which rows it counts. */
  #count(table: Table, stored: number, matches: (row: Row) => boolean): number {
    let count = stored;
    for (const [key, { row }] of this.#overlay[table]) {
      const before = this.#stored(table, key);
      if (before && matches(before)) count--;
      if (row && matches(row)) count++;
    }
    return count;
  }

  #query(sql: string, ...args: SqlStorageValue[]): Row[] {
    return this.#sql.exec<Row>(sql, ...args).toArray();
  }

  // ── Members ────────────────────────────────────────────────────────────────────────

  role(userId: string): Role | undefined {
    return (this.#row("ix_members", userId)?.role as Role | undefined) ?? undefined;
  }

  member(userId: string): MemberEntry | undefined {
    const row = this.#row("ix_members", userId);
    return row ? memberEntry(row) : undefined;
  }

  /** The member whose (lower-cased) email this is. */
  memberByEmail(email: string): string | undefined {
    const lower = email.toLowerCase();
    const rows = this.#merged("ix_members", this.#query("SELECT * FROM ix_members WHERE email = ?", lower), (row) => row.email === lower);
    return rows[0] ? String(rows[0].user_id) : undefined;
  }

  memberCount(): number {
    this.#memberCount ??= this.#count("ix_members", this.#sql.exec<{ n: number }>("SELECT count(*) AS n FROM ix_members").one().n, () => true);
    return this.#memberCount;
  }

  /** The owners (few), with their emails. */
  owners(): MemberEntry[] {
    return this.#merged("ix_members", this.#query("SELECT * FROM ix_members WHERE role = 'owner'"), (row) => row.role === "owner")
      .map(memberEntry)
      .sort((a, b) => (a.userId < b.userId ? -1 : 1));
  }

  ownerCount(): number {
    return this.owners().length;
  }

  putMember(member: MemberEntry): void {
    const known = this.role(member.userId) !== undefined;
    this.#change("ix_members", member.userId, { user_id: member.userId, role: member.role, email: member.email.toLowerCase(), name: member.name });
    if (!known && this.#memberCount !== undefined) this.#memberCount++;
  }

  setRole(userId: string, role: Role): void {
    const member = this.member(userId);
    if (member) this.putMember({ ...member, role });
  }

  /**
   * A renamed member (not a room command: names are the user's, copied for mail). Written to
   * the storage at once, and into every change of that member not yet written, so that
   * neither taking one back nor writing it brings the old name back.
   */
  rename(userId: string, name: string): void {
    this.#sql.exec("UPDATE ix_members SET name = ? WHERE user_id = ?", name, userId);
    const renamed = (row: Row | null) => (row ? { ...row, name } : row);
    for (const change of this.#log) {
      if (change.table !== "ix_members" || change.key !== userId) continue;
      change.before = renamed(change.before);
      change.after = renamed(change.after);
    }
    const entry = this.#overlay.ix_members.get(userId);
    if (entry) entry.row = renamed(entry.row);
  }

  dropMember(userId: string): void {
    if (this.role(userId) === undefined) return;
    this.#change("ix_members", userId, null);
    if (this.#memberCount !== undefined) this.#memberCount--;
  }

  // ── API keys ───────────────────────────────────────────────────────────────────────

  keyByHash(hash: string): KeyEntry | undefined {
    const row = this.#row("ix_keys", hash);
    return row ? keyEntry(row) : undefined;
  }

  /** The hash of live key `id`, if it is live. */
  keyHash(id: string): string | undefined {
    const rows = this.#merged("ix_keys", this.#query("SELECT * FROM ix_keys WHERE id = ?", id), (row) => row.id === id);
    return rows[0] ? String(rows[0].hash) : undefined;
  }

  keyCount(): number {
    return this.#count("ix_keys", this.#sql.exec<{ n: number }>("SELECT count(*) AS n FROM ix_keys").one().n, () => true);
  }

  putKey(hash: string, key: KeyEntry): void {
    this.#change("ix_keys", hash, { hash, id: key.id, scopes: JSON.stringify(key.scopes), created_by: key.createdBy });
  }

  dropKey(hash: string): void {
    this.#change("ix_keys", hash, null);
  }

  /** The hashes of the keys these users created. */
  keysCreatedBy(userIds: readonly string[]): string[] {
    return userIds.flatMap((userId) =>
      this.#merged("ix_keys", this.#query("SELECT * FROM ix_keys WHERE created_by = ?", userId), (row) => row.created_by === userId).map((row) => String(row.hash)),
    );
  }

  // ── Pending invitations ────────────────────────────────────────────────────────────

  /** Invitation `id`, if it is pending in the database (it may be past due). */
  pending(id: string): Invitation | undefined {
    const row = this.#row("ix_pending", id);
    return row ? decodeInvitation(String(row.data)) : undefined;
  }

  /** The pending invitation of an invitee ({@link inviteeKey}), the latest to expire if there are several. */
  pendingFor(invitee: string): Invitation | undefined {
    const rows = this.#merged("ix_pending", this.#query("SELECT * FROM ix_pending WHERE invitee = ?", invitee), (row) => row.invitee === invitee);
    const latest = rows.reduce<Row | undefined>((best, row) => (!best || Number(row.expires_at) > Number(best.expires_at) ? row : best), undefined);
    return latest ? decodeInvitation(String(latest.data)) : undefined;
  }

  /** Up to `limit` pending invitations past due at `now`, the earliest first. */
  due(now: number, limit: number): Invitation[] {
    const stored = this.#query("SELECT * FROM ix_pending WHERE expires_at <= ? ORDER BY expires_at LIMIT ?", now, limit + this.#overlay.ix_pending.size);
    return this.#merged("ix_pending", stored, (row) => Number(row.expires_at) <= now)
      .sort((a, b) => Number(a.expires_at) - Number(b.expires_at))
      .slice(0, limit)
      .map((row) => decodeInvitation(String(row.data)));
  }

  /** Pending invitations that assign project `projectId`. */
  pendingAssigning(projectId: string): Invitation[] {
    const needle = JSON.stringify(projectId);
    return this.#merged("ix_pending", this.#query("SELECT * FROM ix_pending WHERE instr(data, ?) > 0", needle), (row) => String(row.data).includes(needle))
      .map((row) => decodeInvitation(String(row.data)))
      .filter((invitation) => invitation.projectAssignments.some((p) => p.projectId === projectId));
  }

  /** When the next pending invitation falls due (null: none pending). */
  earliestExpiry(): number | null {
    const stored = this.#query("SELECT * FROM ix_pending ORDER BY expires_at LIMIT ?", this.#overlay.ix_pending.size + 1);
    const rows = this.#merged("ix_pending", stored, () => true);
    return rows.length === 0 ? null : Math.min(...rows.map((row) => Number(row.expires_at)));
  }

  /** Adds or replaces a pending invitation. */
  putPending(invitation: Invitation): void {
    const cached = this.#seatCache;
    const expiresAt = invitation.expiresAt.getTime();
    const before = this.pending(invitation.id);
    if (before) this.#uncount(before);
    if (cached && expiresAt > cached.since) {
      cached.count++;
      cached.validUntil = Math.min(cached.validUntil, expiresAt);
    }
    this.#change("ix_pending", invitation.id, { id: invitation.id, invitee: inviteeKey(invitation), expires_at: expiresAt, data: encodeInvitation(invitation) });
  }

  /** Forgets a pending invitation that was answered, revoked, expired or re-issued. */
  dropPending(id: string): void {
    const before = this.pending(id);
    if (!before) return;
    this.#uncount(before);
    this.#change("ix_pending", id, null);
  }

  /** Takes an invitation out of the cached seat count (it counted if it held a seat at the count's start). */
  #uncount(invitation: Invitation): void {
    const cached = this.#seatCache;
    if (cached && invitation.expiresAt.getTime() > cached.since) cached.count--;
  }

  /**
   * Invitations that hold a seat at `now`. Counted by the expiry index when asked after the
   * earliest of the counted ones expired, else kept exact as invitations come and go.
   */
  pendingSeats(now: number): number {
    const cached = this.#seatCache;
    if (cached && now >= cached.since && now < cached.validUntil) return cached.count;
    const holds = (row: Row) => Number(row.expires_at) > now;
    const stored = this.#sql.exec<{ n: number; next: number | null }>("SELECT count(*) AS n, min(expires_at) AS next FROM ix_pending WHERE expires_at > ?", now).one();
    let next = stored.next ?? Number.POSITIVE_INFINITY;
    for (const { row } of this.#overlay.ix_pending.values()) if (row && holds(row)) next = Math.min(next, Number(row.expires_at));
    const count = this.#count("ix_pending", stored.n, holds);
    this.#seatCache = { count, since: now, validUntil: next };
    return count;
  }

  /** Pending invitations, held seats or not. */
  pendingCount(): number {
    return this.#count("ix_pending", this.#sql.exec<{ n: number }>("SELECT count(*) AS n FROM ix_pending").one().n, () => true);
  }

  // ── Projects ───────────────────────────────────────────────────────────────────────

  project(id: string): ProjectEntry | undefined {
    const row = this.#row("ix_projects", id);
    return row ? projectEntry(row as unknown as ProjectRow) : undefined;
  }

  hasProject(id: string): boolean {
    return this.project(id) !== undefined;
  }

  /** The project with this name (ignoring case, domain/projects.ts `projectNameKey`), other than `except`. */
  projectNamed(name: string, except?: string): string | undefined {
    const key = projectNameKey(name);
    const rows = this.#merged("ix_projects", this.#query("SELECT * FROM ix_projects WHERE name_key = ?", key), (row) => row.name_key === key);
    return rows.map((row) => String(row.id)).find((id) => id !== except);
  }

  /** The automatic private project of `userId`, if they have one. */
  personalProject(userId: string): ({ id: string } & ProjectEntry) | undefined {
    const rows = this.#merged("ix_projects", this.#query("SELECT * FROM ix_projects WHERE personal_user_id = ?", userId), (row) => row.personal_user_id === userId);
    const row = rows[0] as unknown as ProjectRow | undefined;
    return row && { id: row.id, ...projectEntry(row) };
  }

  putProject(id: string, project: ProjectEntry): void {
    this.#change("ix_projects", id, { id, name: project.name, name_key: projectNameKey(project.name), visibility: project.visibility, personal_user_id: project.personalUserId });
  }

  dropProject(id: string): void {
    this.#change("ix_projects", id, null);
  }

  // ── Rebuilding ─────────────────────────────────────────────────────────────────────

  /** Rows of a rebuild, written to the storage as they are read (a rebuild is committed by {@link rebuilt}). */
  load(rows: { members?: MemberEntry[]; keys?: Array<{ hash: string } & KeyEntry>; pending?: Invitation[]; projects?: Array<{ id: string } & ProjectEntry> }): void {
    for (const m of rows.members ?? []) this.#write("ix_members", { user_id: m.userId, role: m.role, email: m.email.toLowerCase(), name: m.name });
    for (const k of rows.keys ?? []) this.#write("ix_keys", { hash: k.hash, id: k.id, scopes: JSON.stringify(k.scopes), created_by: k.createdBy });
    for (const i of rows.pending ?? []) this.#write("ix_pending", { id: i.id, invitee: inviteeKey(i), expires_at: i.expiresAt.getTime(), data: encodeInvitation(i) });
    for (const p of rows.projects ?? []) {
      this.#write("ix_projects", { id: p.id, name: p.name, name_key: projectNameKey(p.name), visibility: p.visibility, personal_user_id: p.personalUserId });
    }
  }
}

const memberEntry = (row: Row): MemberEntry => ({ userId: String(row.user_id), role: row.role as Role, email: String(row.email), name: String(row.name) });
const keyEntry = (row: Row): KeyEntry => ({ id: String(row.id), scopes: JSON.parse(String(row.scopes)) as Scope[], createdBy: String(row.created_by) });

type ProjectRow = { id: string; name: string; name_key: string; visibility: ProjectEntry["visibility"]; personal_user_id: string | null };
const projectEntry = (row: ProjectRow): ProjectEntry => ({ name: row.name, visibility: row.visibility, personalUserId: row.personal_user_id });

/** Invitations are kept as JSON; their dates as epoch milliseconds. */
const dateFields = ["expiresAt", "lastSentAt", "createdAt", "respondedAt"] as const;

function encodeInvitation(invitation: Invitation): string {
  const plain: Record<string, unknown> = { ...invitation };
  for (const field of dateFields) plain[field] = invitation[field]?.getTime() ?? null;
  return JSON.stringify(plain);
}

function decodeInvitation(data: string): Invitation {
  const plain = JSON.parse(data) as Record<string, unknown>;
  for (const field of dateFields) plain[field] = plain[field] === null ? null : new Date(plain[field] as number);
  return plain as unknown as Invitation;
}
