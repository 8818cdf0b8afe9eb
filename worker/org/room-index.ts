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
  "CREATE TABLE IF NOT EXISTS ix_meta (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL, dirty INTEGER NOT NULL)",
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

/** Each table's key column (the undo log restores rows by it). */
const keyOf = { ix_members: "user_id", ix_keys: "hash", ix_pending: "id", ix_projects: "id" } as const;
type Table = keyof typeof keyOf;
type Row = Record<string, SqlStorageValue>;

/** One change the undo log can take back: the row as it was before (null: there was none). */
interface Undo {
  table: Table;
  key: string;
  before: Row | null;
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
 * Commands change it as they plan, before their transaction commits. Every change is
 * logged so a failed commit can be taken back ({@link rollback}); while any change is not
 * yet known committed, the index is marked dirty in the same storage, so a room that dies
 * meanwhile finds it dirty on its next start and rebuilds it from the database. A clean
 * index carries the database's room version it reflects ({@link version}).
 */
export class RoomIndex {
  readonly #sql: SqlStorage;
  readonly #undo: Undo[] = [];
  /** Changes forgotten by the undo log so far: marks count from the first change ever. */
  #forgotten = 0;
  #memberCount: number | undefined;
  #seatCache: { count: number; since: number; validUntil: number } | undefined;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    for (const statement of schema) sql.exec(statement);
  }

  // ── Version and the undo log ───────────────────────────────────────────────────────

  /** The database version the index reflects, or null when it must be rebuilt (never built, or dirty). */
  version(): number | null {
    const meta = this.#sql.exec<{ version: number; dirty: number }>("SELECT version, dirty FROM ix_meta").toArray()[0];
    return meta && meta.dirty === 0 ? meta.version : null;
  }

  /** A position in the undo log: {@link rollback} takes back every change after it. */
  mark(): number {
    return this.#forgotten + this.#undo.length;
  }

  /** Takes back every change made since `mark`, newest first. */
  rollback(mark: number): void {
    while (this.#forgotten + this.#undo.length > mark) {
      const { table, key, before } = this.#undo.pop()!;
      this.#sql.exec(`DELETE FROM ${table} WHERE ${keyOf[table]} = ?`, key);
      if (before) this.#insert(table, before);
    }
    this.#memberCount = undefined;
    this.#seatCache = undefined;
    // Back to what is committed: the version the index carries is right again.
    if (this.#undo.length === 0) this.#sql.exec("UPDATE ix_meta SET dirty = 0");
  }

  /**
   * The changes up to `mark` are committed at database version `version`: they are
   * forgotten by the undo log, and the index is clean again if no later change is pending.
   */
  committed(mark: number, version: number): void {
    this.#undo.splice(0, mark - this.#forgotten);
    this.#forgotten = Math.max(this.#forgotten, mark);
    this.#sql.exec("UPDATE ix_meta SET version = ?, dirty = ?", version, this.#undo.length > 0 ? 1 : 0);
  }

  /** Changes since the last commit, not yet known committed. */
  get pendingChanges(): number {
    return this.#undo.length;
  }

  /** Empties the index and marks it dirty: a rebuild ({@link rebuilt}) fills it again. */
  clear(): void {
    this.#forgotten += this.#undo.length;
    this.#undo.length = 0;
    this.#memberCount = undefined;
    this.#seatCache = undefined;
    this.#sql.exec("INSERT INTO ix_meta (id, version, dirty) VALUES (1, 0, 1) ON CONFLICT (id) DO UPDATE SET dirty = 1");
    for (const table of Object.keys(keyOf)) this.#sql.exec(`DELETE FROM ${table}`);
  }

  /** A rebuild finished: the index reflects database version `version`. */
  rebuilt(version: number): void {
    this.#sql.exec("UPDATE ix_meta SET version = ?, dirty = 0", version);
  }

  /** Logs the row `key` of `table` as it is before a change, marking the index dirty on the first. */
  #record(table: Table, key: string): void {
    if (this.#undo.length === 0) this.#sql.exec("UPDATE ix_meta SET dirty = 1");
    const before = this.#sql.exec<Row>(`SELECT * FROM ${table} WHERE ${keyOf[table]} = ?`, key).toArray()[0] ?? null;
    this.#undo.push({ table, key, before });
  }

  #insert(table: Table, row: Row): void {
    const columns = Object.keys(row);
    this.#sql.exec(`INSERT OR REPLACE INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`, ...columns.map((c) => row[c]!));
  }

  #put(table: Table, row: Row): void {
    this.#record(table, String(row[keyOf[table]]));
    this.#insert(table, row);
  }

  #delete(table: Table, key: string): void {
    this.#record(table, key);
    this.#sql.exec(`DELETE FROM ${table} WHERE ${keyOf[table]} = ?`, key);
  }

  // ── Members ────────────────────────────────────────────────────────────────────────

  role(userId: string): Role | undefined {
    return this.#sql.exec<{ role: Role }>("SELECT role FROM ix_members WHERE user_id = ?", userId).toArray()[0]?.role;
  }

  member(userId: string): MemberEntry | undefined {
    const row = this.#sql.exec<{ user_id: string; role: Role; email: string; name: string }>("SELECT * FROM ix_members WHERE user_id = ?", userId).toArray()[0];
    return row && { userId: row.user_id, role: row.role, email: row.email, name: row.name };
  }

  /** The member whose (lower-cased) email this is. */
  memberByEmail(email: string): string | undefined {
    return this.#sql.exec<{ user_id: string }>("SELECT user_id FROM ix_members WHERE email = ? LIMIT 1", email.toLowerCase()).toArray()[0]?.user_id;
  }

  memberCount(): number {
    this.#memberCount ??= this.#sql.exec<{ n: number }>("SELECT count(*) AS n FROM ix_members").one().n;
    return this.#memberCount;
  }

  /** The owners (few), with their emails. */
  owners(): MemberEntry[] {
    return this.#sql
      .exec<{ user_id: string; role: Role; email: string; name: string }>("SELECT * FROM ix_members WHERE role = 'owner' ORDER BY user_id")
      .toArray()
      .map((row) => ({ userId: row.user_id, role: row.role, email: row.email, name: row.name }));
  }

  ownerCount(): number {
    return this.#sql.exec<{ n: number }>("SELECT count(*) AS n FROM ix_members WHERE role = 'owner'").one().n;
  }

  putMember(member: MemberEntry): void {
    const known = this.role(member.userId) !== undefined;
    this.#put("ix_members", { user_id: member.userId, role: member.role, email: member.email.toLowerCase(), name: member.name });
    if (!known && this.#memberCount !== undefined) this.#memberCount++;
  }

  setRole(userId: string, role: Role): void {
    const member = this.member(userId);
    if (member) this.putMember({ ...member, role });
  }

  /**
   * A renamed member (not a room command: names are the user's, copied for mail). Not logged,
   * and written into the logged rows too, so taking back a failed command keeps the new name.
   */
  rename(userId: string, name: string): void {
    this.#sql.exec("UPDATE ix_members SET name = ? WHERE user_id = ?", name, userId);
    for (const undo of this.#undo) if (undo.table === "ix_members" && undo.key === userId && undo.before) undo.before = { ...undo.before, name };
  }

  dropMember(userId: string): void {
    if (this.role(userId) === undefined) return;
    this.#delete("ix_members", userId);
    if (this.#memberCount !== undefined) this.#memberCount--;
  }

  // ── API keys ───────────────────────────────────────────────────────────────────────

  keyByHash(hash: string): KeyEntry | undefined {
    const row = this.#sql.exec<{ id: string; scopes: string; created_by: string }>("SELECT id, scopes, created_by FROM ix_keys WHERE hash = ?", hash).toArray()[0];
    return row && { id: row.id, scopes: JSON.parse(row.scopes) as Scope[], createdBy: row.created_by };
  }

  /** The hash of live key `id`, if it is live. */
  keyHash(id: string): string | undefined {
    return this.#sql.exec<{ hash: string }>("SELECT hash FROM ix_keys WHERE id = ?", id).toArray()[0]?.hash;
  }

  keyCount(): number {
    return this.#sql.exec<{ n: number }>("SELECT count(*) AS n FROM ix_keys").one().n;
  }

  putKey(hash: string, key: KeyEntry): void {
    this.#put("ix_keys", { hash, id: key.id, scopes: JSON.stringify(key.scopes), created_by: key.createdBy });
  }

  dropKey(hash: string): void {
    this.#delete("ix_keys", hash);
  }

  /** The hashes of the keys these users created. */
  keysCreatedBy(userIds: readonly string[]): string[] {
    return userIds.flatMap((userId) => this.#sql.exec<{ hash: string }>("SELECT hash FROM ix_keys WHERE created_by = ?", userId).toArray().map((row) => row.hash));
  }

  // ── Pending invitations ────────────────────────────────────────────────────────────

  /** Invitation `id`, if it is pending in the database (it may be past due). */
  pending(id: string): Invitation | undefined {
    const row = this.#sql.exec<{ data: string }>("SELECT data FROM ix_pending WHERE id = ?", id).toArray()[0];
    return row && decodeInvitation(row.data);
  }

  /** The pending invitation of an invitee ({@link inviteeKey}), the latest to expire if there are several. */
  pendingFor(invitee: string): Invitation | undefined {
    const row = this.#sql.exec<{ data: string }>("SELECT data FROM ix_pending WHERE invitee = ? ORDER BY expires_at DESC LIMIT 1", invitee).toArray()[0];
    return row && decodeInvitation(row.data);
  }

  /** Up to `limit` pending invitations past due at `now`, the earliest first. */
  due(now: number, limit: number): Invitation[] {
    return this.#sql
      .exec<{ data: string }>("SELECT data FROM ix_pending WHERE expires_at <= ? ORDER BY expires_at LIMIT ?", now, limit)
      .toArray()
      .map((row) => decodeInvitation(row.data));
  }

  /** Pending invitations that assign project `projectId`. */
  pendingAssigning(projectId: string): Invitation[] {
    return this.#sql
      .exec<{ data: string }>("SELECT data FROM ix_pending WHERE instr(data, ?) > 0", JSON.stringify(projectId))
      .toArray()
      .map((row) => decodeInvitation(row.data))
      .filter((invitation) => invitation.projectAssignments.some((p) => p.projectId === projectId));
  }

  /** When the next pending invitation falls due (null: none pending). */
  earliestExpiry(): number | null {
    return this.#sql.exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM ix_pending").one().at;
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
    this.#put("ix_pending", { id: invitation.id, invitee: inviteeKey(invitation), expires_at: expiresAt, data: encodeInvitation(invitation) });
  }

  /** Forgets a pending invitation that was answered, revoked, expired or re-issued. */
  dropPending(id: string): void {
    const before = this.pending(id);
    if (!before) return;
    this.#uncount(before);
    this.#delete("ix_pending", id);
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
    const row = this.#sql.exec<{ n: number; next: number | null }>("SELECT count(*) AS n, min(expires_at) AS next FROM ix_pending WHERE expires_at > ?", now).one();
    this.#seatCache = { count: row.n, since: now, validUntil: row.next ?? Number.POSITIVE_INFINITY };
    return row.n;
  }

  /** Pending invitations, held seats or not. */
  pendingCount(): number {
    return this.#sql.exec<{ n: number }>("SELECT count(*) AS n FROM ix_pending").one().n;
  }

  // ── Projects ───────────────────────────────────────────────────────────────────────

  project(id: string): ProjectEntry | undefined {
    const row = this.#sql.exec<ProjectRow>("SELECT * FROM ix_projects WHERE id = ?", id).toArray()[0];
    return row && projectEntry(row);
  }

  hasProject(id: string): boolean {
    return this.project(id) !== undefined;
  }

  /** The project with this name (ignoring case, domain/projects.ts `projectNameKey`), other than `except`. */
  projectNamed(name: string, except?: string): string | undefined {
    return this.#sql
      .exec<{ id: string }>("SELECT id FROM ix_projects WHERE name_key = ? AND id IS NOT ? LIMIT 1", projectNameKey(name), except ?? null)
      .toArray()[0]?.id;
  }

  /** The automatic private project of `userId`, if they have one. */
  personalProject(userId: string): ({ id: string } & ProjectEntry) | undefined {
    const row = this.#sql.exec<ProjectRow>("SELECT * FROM ix_projects WHERE personal_user_id = ? LIMIT 1", userId).toArray()[0];
    return row && { id: row.id, ...projectEntry(row) };
  }

  putProject(id: string, project: ProjectEntry): void {
    this.#put("ix_projects", { id, name: project.name, name_key: projectNameKey(project.name), visibility: project.visibility, personal_user_id: project.personalUserId });
  }

  dropProject(id: string): void {
    this.#delete("ix_projects", id);
  }

  // ── Rebuilding ─────────────────────────────────────────────────────────────────────

  /** Rows of a rebuild, written as they are read (not logged: a rebuild is committed by {@link rebuilt}). */
  load(rows: { members?: MemberEntry[]; keys?: Array<{ hash: string } & KeyEntry>; pending?: Invitation[]; projects?: Array<{ id: string } & ProjectEntry> }): void {
    for (const m of rows.members ?? []) this.#insert("ix_members", { user_id: m.userId, role: m.role, email: m.email.toLowerCase(), name: m.name });
    for (const k of rows.keys ?? []) this.#insert("ix_keys", { hash: k.hash, id: k.id, scopes: JSON.stringify(k.scopes), created_by: k.createdBy });
    for (const i of rows.pending ?? []) this.#insert("ix_pending", { id: i.id, invitee: inviteeKey(i), expires_at: i.expiresAt.getTime(), data: encodeInvitation(i) });
    for (const p of rows.projects ?? []) {
      this.#insert("ix_projects", { id: p.id, name: p.name, name_key: projectNameKey(p.name), visibility: p.visibility, personal_user_id: p.personalUserId });
    }
  }
}

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
