import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Invitation } from "../../db/schema/index.ts";
import { projectNameKey, type ProjectEntry } from "../../worker/domain/projects.ts";
import type { Role } from "../../worker/domain/roles.ts";
import type { Scope } from "../../worker/domain/scopes.ts";
import { orgRoom } from "../../worker/org/room-client.ts";
import { RoomIndex, type KeyEntry, type MemberEntry } from "../../worker/org/room-index.ts";

/**
 * A model-based test of the room's index (worker/org/room-index.ts, decision 16): random
 * sequences of changes, marks, rollbacks and commits are applied to a RoomIndex and to plain
 * maps, and after every step every query's answer is compared. After a commit (and after
 * rollbacks and renames) a fresh RoomIndex on the same storage, with no overlay, must answer
 * the state as of the last committed mark, at its version.
 */

// ── A seeded PRNG (mulberry32) ───────────────────────────────────────────────────────

function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
type Rng = ReturnType<typeof prng>;

// ── The universe the sequences draw from (small, so that rows collide) ─────────────────

const T0 = Date.UTC(2030, 0, 1);
const users = ["u1", "u2", "u3", "u4", "u5", "u6"];
const roleList: Role[] = ["owner", "admin", "member", "restricted"];
const emails = ["Ann@Example.com", "ann@example.com", "BOB@example.com", "cy@example.com", "Dee@Example.COM"];
const names = ["Ann", "Bob", "Cy", "Ann Two", "Zed"];
const hashes = ["h1", "h2", "h3", "h4", "h5"];
const keyIds = ["k1", "k2", "k3"];
const scopeSets: Scope[][] = [[], ["org:read"], ["members:read", "members:write"], ["projects:write"]];
const pendingIds = ["i1", "i2", "i3", "i4", "i5", "i6", "i7"];
const inviteeUsers = ["u1", "u2", "u7"];
const inviteeEmails = ["ann@example.com", "new@example.com", "x@example.com"];
/** Expiries: few, so that they tie. */
const expiries = [T0 + 100, T0 + 200, T0 + 300, T0 + 400];
/** Times at which seats and due invitations are asked: before, at, between and after expiries. */
const nows = [T0, T0 + 99, T0 + 100, T0 + 101, T0 + 150, T0 + 199, T0 + 200, T0 + 250, T0 + 300, T0 + 301, T0 + 399, T0 + 400, T0 + 1000];
const projectIds = ["p1", "p2", "p3", "p4", "p5"];
const projectNames = ["Acme", "acme", "Ａｃｍｅ", "Beta ", "Gamma\u200B", "gamma"];
const queriedProjectNames = ["Acme", "beta", "Gamma", "Delta"];

function invitation(rng: Rng, id: string): Invitation {
  const byUser = rng.chance(0.5);
  const inviteeUserId = byUser ? rng.pick(inviteeUsers) : null;
  const email = byUser ? `${inviteeUserId}@example.com` : rng.pick(inviteeEmails);
  const projectAssignments = projectIds.filter(() => rng.chance(0.25)).map((projectId) => ({ projectId, role: rng.pick(["owner", "admin", "use", "viewer"] as const) }));
  return {
    id,
    orgId: "org_ixreview",
    email,
    username: byUser ? `name-${inviteeUserId}` : null,
    inviteeUserId,
    role: rng.pick(roleList),
    projectAssignments,
    message: rng.chance(0.5) ? `hello "p1" ${rng.int(100)}` : null,
    status: "pending",
    delivery: rng.pick(["queued", "sent"] as const),
    tokenHash: `tok-${id}-${rng.int(1_000_000)}`,
    expiresAt: new Date(rng.pick(expiries)),
    sendCount: 1 + rng.int(3),
    lastSentAt: rng.chance(0.5) ? new Date(T0 - rng.int(1000)) : null,
    createdBy: rng.pick(users),
    createdAt: new Date(T0 - 5000 + rng.int(1000)),
    respondedAt: null,
    lastMailId: rng.chance(0.5) ? `mail-${rng.int(100)}` : null,
    welcomeEmail: rng.chance(0.5),
  } as Invitation;
}

// ── The model ────────────────────────────────────────────────────────────────────────

interface State {
  members: Map<string, MemberEntry>;
  keys: Map<string, KeyEntry>;
  pending: Map<string, Invitation>;
  projects: Map<string, ProjectEntry>;
}

const empty = (): State => ({ members: new Map(), keys: new Map(), pending: new Map(), projects: new Map() });
const clone = (s: State): State => ({
  members: new Map([...s.members].map(([k, v]) => [k, { ...v }])),
  keys: new Map([...s.keys].map(([k, v]) => [k, { ...v, scopes: [...v.scopes] }])),
  pending: new Map(s.pending),
  projects: new Map([...s.projects].map(([k, v]) => [k, { ...v }])),
});

const modelInviteeKey = (i: Invitation) => (i.inviteeUserId ? `user:${i.inviteeUserId}` : `email:${i.email}`);
const inviteeKeys = [...inviteeUsers.map((u) => `user:${u}`), ...inviteeEmails.map((e) => `email:${e}`)];

/** An invitation as a comparable string (dates as numbers, fields in a fixed order). */
function canon(i: Invitation | undefined): string {
  if (!i) return "none";
  const keys = Object.keys(i).sort();
  return JSON.stringify(keys.map((k) => [k, (i as Record<string, unknown>)[k] instanceof Date ? ((i as Record<string, unknown>)[k] as Date).getTime() : (i as Record<string, unknown>)[k]]));
}

/** One of `candidates` (any is right), or the candidates themselves to show a mismatch. */
const oneOf = <T>(actual: T, candidates: T[], same: (a: T, b: T) => boolean = (a, b) => a === b) =>
  candidates.some((c) => same(actual, c)) ? actual : { oneOf: candidates };

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Every query the index answers, asked of the index. */
function ask(ix: RoomIndex, q: Queries) {
  const due = q.due.map(([now, limit]) => ix.due(now, limit));
  return {
    roles: users.concat("nobody").map((u) => ix.role(u) ?? null),
    members: users.concat("nobody").map((u) => ix.member(u) ?? null),
    memberByEmail: emails.concat("NOBODY@x").map((e) => ix.memberByEmail(e) ?? null),
    memberCount: ix.memberCount(),
    owners: ix.owners(),
    ownerCount: ix.ownerCount(),
    keyByHash: hashes.concat("nohash").map((h) => ix.keyByHash(h) ?? null),
    keyHash: keyIds.concat("nokey").map((k) => ix.keyHash(k) ?? null),
    keyCount: ix.keyCount(),
    keysCreatedBy: q.creators.map((set) => ix.keysCreatedBy(set).sort(byId)),
    pending: pendingIds.concat("noinv").map((id) => canon(ix.pending(id))),
    pendingFor: inviteeKeys.concat("email:nobody@x").map((k) => canon(ix.pendingFor(k))),
    due: due.map((list) => list.map(canon)),
    dueSorted: due.map((list) => list.every((inv, n) => n === 0 || list[n - 1]!.expiresAt.getTime() <= inv.expiresAt.getTime())),
    pendingAssigning: projectIds.concat("noproj").map((p) => ix.pendingAssigning(p).map(canon).sort()),
    earliestExpiry: ix.earliestExpiry(),
    pendingSeats: q.seatNows.map((now) => `at +${now - T0}: ${ix.pendingSeats(now)}`),
    pendingCount: ix.pendingCount(),
    projects: projectIds.concat("noproj").map((p) => ix.project(p) ?? null),
    hasProject: projectIds.map((p) => ix.hasProject(p)),
    projectNamed: q.named.map(([name, except]) => ix.projectNamed(name, except) ?? null),
    personalProject: users.map((u) => ix.personalProject(u) ?? null),
  };
}
type Answers = ReturnType<typeof ask>;

/** The same queries answered by the model, given the index's answers where any of several is right. */
function expected(s: State, q: Queries, got: Answers): Answers {
  const members = [...s.members.values()];
  const pending = [...s.pending.values()];
  const keys = [...s.keys];
  const due = q.due.map(([now, limit], n) => {
    const all = pending.filter((i) => i.expiresAt.getTime() <= now).sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime() || byId(a.id, b.id));
    const want = all.slice(0, limit);
    const actual = got.due[n]!;
    // Ties: any of the invitations at the boundary's expiry may be the ones returned.
    const dueById = new Map(all.map((i) => [i.id, canon(i)]));
    const actualIds = actual.map((c) => (JSON.parse(c) as Array<[string, unknown]>).find(([k]) => k === "id")?.[1] as string);
    const actualExpiries = actualIds.map((id) => s.pending.get(id)?.expiresAt.getTime());
    const fine =
      actual.length === want.length &&
      new Set(actualIds).size === actualIds.length &&
      actualIds.every((id, k) => dueById.get(id) === actual[k]) &&
      [...actualExpiries].sort((a, b) => a! - b!).every((e, k) => e === want[k]!.expiresAt.getTime());
    return fine ? actual : want.map(canon);
  });
  return {
    roles: users.concat("nobody").map((u) => s.members.get(u)?.role ?? null),
    members: users.concat("nobody").map((u) => s.members.get(u) ?? null),
    memberByEmail: emails.concat("NOBODY@x").map((e, n) => {
      const candidates = members.filter((m) => m.email === e.toLowerCase()).map((m) => m.userId);
      return candidates.length === 0 ? null : oneOf(got.memberByEmail[n]!, candidates);
    }) as Answers["memberByEmail"],
    memberCount: s.members.size,
    owners: members.filter((m) => m.role === "owner").sort((a, b) => byId(a.userId, b.userId)),
    ownerCount: members.filter((m) => m.role === "owner").length,
    keyByHash: hashes.concat("nohash").map((h) => s.keys.get(h) ?? null),
    keyHash: keyIds.concat("nokey").map((id, n) => {
      const candidates = keys.filter(([, k]) => k.id === id).map(([h]) => h);
      return candidates.length === 0 ? null : oneOf(got.keyHash[n]!, candidates);
    }) as Answers["keyHash"],
    keyCount: s.keys.size,
    keysCreatedBy: q.creators.map((set) => set.flatMap((u) => keys.filter(([, k]) => k.createdBy === u).map(([h]) => h)).sort(byId)),
    pending: pendingIds.concat("noinv").map((id) => canon(s.pending.get(id))),
    pendingFor: inviteeKeys.concat("email:nobody@x").map((key, n) => {
      const theirs = pending.filter((i) => modelInviteeKey(i) === key);
      if (theirs.length === 0) return "none";
      const latest = Math.max(...theirs.map((i) => i.expiresAt.getTime()));
      return oneOf(got.pendingFor[n]!, theirs.filter((i) => i.expiresAt.getTime() === latest).map(canon));
    }) as Answers["pendingFor"],
    due,
    dueSorted: q.due.map(() => true),
    pendingAssigning: projectIds.concat("noproj").map((p) => pending.filter((i) => i.projectAssignments.some((a) => a.projectId === p)).map(canon).sort()),
    earliestExpiry: pending.length === 0 ? null : Math.min(...pending.map((i) => i.expiresAt.getTime())),
    pendingSeats: q.seatNows.map((now) => `at +${now - T0}: ${pending.filter((i) => i.expiresAt.getTime() > now).length}`),
    pendingCount: pending.length,
    projects: projectIds.concat("noproj").map((p) => s.projects.get(p) ?? null),
    hasProject: projectIds.map((p) => s.projects.has(p)),
    projectNamed: q.named.map(([name, except], n) => {
      const candidates = [...s.projects].filter(([id, p]) => projectNameKey(p.name) === projectNameKey(name) && id !== except).map(([id]) => id);
      return candidates.length === 0 ? null : oneOf(got.projectNamed[n]!, candidates);
    }) as Answers["projectNamed"],
    personalProject: users.map((u, n) => {
      const candidates = [...s.projects].filter(([, p]) => p.personalUserId === u).map(([id, p]) => ({ id, ...p }));
      return candidates.length === 0 ? null : oneOf(got.personalProject[n]!, candidates, (a, b) => JSON.stringify(a) === JSON.stringify(b));
    }) as Answers["personalProject"],
  };
}

interface Queries {
  due: Array<[number, number]>;
  creators: string[][];
  seatNows: number[];
  named: Array<[string, string | undefined]>;
}

/** The queries' arguments for one step: the seat counts' `now`s in a random order, to use and invalidate the seat cache. */
function queries(rng: Rng): Queries {
  return {
    due: [
      [rng.pick(nows), 1 + rng.int(3)],
      [rng.pick(nows), 1 + rng.int(8)],
      [T0 + 1000, 100],
    ],
    creators: [[rng.pick(users)], [rng.pick(users), rng.pick(users)], users],
    seatNows: [rng.pick(nows), rng.pick(nows), rng.pick(nows)],
    named: queriedProjectNames.map((name) => [name, rng.chance(0.3) ? rng.pick(projectIds) : undefined]),
  };
}

// ── Steps ────────────────────────────────────────────────────────────────────────────

interface Run {
  ix: RoomIndex;
  sql: SqlStorage;
  rng: Rng;
  /** The state as the index should answer it now. */
  state: State;
  /** The state at each mark taken (not yet rolled back past, nor committed past). */
  marks: Map<number, State>;
  /** The state as of the last committed mark, and its version. */
  committed: State;
  version: number | null;
  trace: string[];
}

function step(run: Run): void {
  const { ix, rng, state } = run;
  const roll = rng.next();
  const log = (s: string) => run.trace.push(s);
  if (roll < 0.16) {
    const m: MemberEntry = { userId: rng.pick(users), role: rng.pick(roleList), email: rng.pick(emails), name: rng.pick(names) };
    log(`putMember(${JSON.stringify(m)})`);
    ix.putMember(m);
    state.members.set(m.userId, { ...m, email: m.email.toLowerCase() });
  } else if (roll < 0.22) {
    const userId = rng.pick(users);
    const role = rng.pick(roleList);
    log(`setRole(${userId}, ${role})`);
    ix.setRole(userId, role);
    const m = state.members.get(userId);
    if (m) state.members.set(userId, { ...m, role });
  } else if (roll < 0.28) {
    const userId = rng.pick(users);
    log(`dropMember(${userId})`);
    ix.dropMember(userId);
    state.members.delete(userId);
  } else if (roll < 0.31) {
    const userId = rng.pick(users);
    const name = `${rng.pick(names)} ${rng.int(10)}`;
    log(`rename(${userId}, ${name})`);
    ix.rename(userId, name);
    // Not a change: neither a rollback nor a commit brings the old name back.
    for (const s of [run.state, run.committed, ...run.marks.values()]) {
      const m = s.members.get(userId);
      if (m) s.members.set(userId, { ...m, name });
    }
  } else if (roll < 0.39) {
    const hash = rng.pick(hashes);
    const key: KeyEntry = { id: rng.pick(keyIds), scopes: rng.pick(scopeSets), createdBy: rng.pick(users) };
    log(`putKey(${hash}, ${JSON.stringify(key)})`);
    ix.putKey(hash, key);
    state.keys.set(hash, { ...key, scopes: [...key.scopes] });
  } else if (roll < 0.44) {
    const hash = rng.pick(hashes);
    log(`dropKey(${hash})`);
    ix.dropKey(hash);
    state.keys.delete(hash);
  } else if (roll < 0.57) {
    const inv = invitation(rng, rng.pick(pendingIds));
    log(`putPending(${inv.id}, ${modelInviteeKey(inv)}, expires +${inv.expiresAt.getTime() - T0}, assigns ${inv.projectAssignments.map((a) => a.projectId).join(",")})`);
    ix.putPending(inv);
    state.pending.set(inv.id, inv);
  } else if (roll < 0.65) {
    const id = rng.pick(pendingIds);
    log(`dropPending(${id})`);
    ix.dropPending(id);
    state.pending.delete(id);
  } else if (roll < 0.72) {
    const id = rng.pick(projectIds);
    const p: ProjectEntry = { name: rng.pick(projectNames), visibility: rng.pick(["public", "private"] as const), personalUserId: rng.chance(0.4) ? rng.pick(users) : null };
    log(`putProject(${id}, ${JSON.stringify(p)})`);
    ix.putProject(id, p);
    state.projects.set(id, { ...p });
  } else if (roll < 0.76) {
    const id = rng.pick(projectIds);
    log(`dropProject(${id})`);
    ix.dropProject(id);
    state.projects.delete(id);
  } else if (roll < 0.775) {
    // The room restarts (evicted before its groups committed): a new index on the storage, its changes lost.
    log(`restart`);
    run.ix = new RoomIndex(run.sql);
    run.state = clone(run.committed);
    run.marks = new Map([[run.ix.mark(), clone(run.committed)]]);
  } else if (roll < 0.86) {
    const mark = ix.mark();
    log(`mark() = ${mark}`);
    run.marks.set(mark, clone(state));
  } else if (roll < 0.92) {
    const mark = rng.pick([...run.marks.keys()]);
    log(`rollback(${mark})`);
    ix.rollback(mark);
    run.state = clone(run.marks.get(mark)!);
    for (const m of run.marks.keys()) if (m > mark) run.marks.delete(m);
    checkStorage(run);
  } else {
    // Commit the first pending group: up to a mark, possibly leaving a later group open.
    const mark = rng.pick([...run.marks.keys()]);
    const version = (run.version ?? 0) + 1 + rng.int(3);
    log(`committed(${mark}, ${version})`);
    ix.committed(mark, version);
    run.committed = clone(run.marks.get(mark)!);
    run.version = version;
    for (const m of run.marks.keys()) if (m < mark) run.marks.delete(m);
    checkStorage(run);
  }
}

/** A fresh index on the same storage (no overlay) answers the committed state, at its version. */
function checkStorage(run: Run): void {
  const fresh = new RoomIndex(run.sql);
  expect(fresh.version(), "version of a fresh index").toBe(run.version);
  expect(fresh.pendingChanges).toBe(0);
  const q = queries(run.rng);
  const got = ask(fresh, q);
  expect(got, "a fresh index on the storage").toEqual(expected(run.committed, q, got));
}

function check(run: Run): void {
  const q = queries(run.rng);
  const got = ask(run.ix, q);
  expect(got).toEqual(expected(run.state, q, got));
  expect(run.ix.version(), "version").toBe(run.version);
}

function resetStorage(sql: SqlStorage): void {
  new RoomIndex(sql); // creates the tables if need be
  for (const table of ["ix_meta", "ix_members", "ix_keys", "ix_pending", "ix_projects"]) sql.exec(`DELETE FROM ${table}`);
}

function runSequence(sql: SqlStorage, seed: number, steps: number): void {
  resetStorage(sql);
  const rng = prng(seed);
  const ix = new RoomIndex(sql);
  const run: Run = { ix, sql, rng, state: empty(), marks: new Map([[ix.mark(), empty()]]), committed: empty(), version: null, trace: [] };
  try {
    check(run);
    for (let n = 0; n < steps; n++) {
      step(run);
      check(run);
    }
    // Whatever is still pending is committed at the end: the storage then holds it all.
    const mark = run.ix.mark();
    run.marks.set(mark, clone(run.state));
    run.trace.push(`committed(${mark}, final)`);
    run.ix.committed(mark, (run.version ?? 0) + 1);
    run.committed = clone(run.state);
    run.version = (run.version ?? 0) + 1;
    expect(run.ix.pendingChanges).toBe(0);
    check(run);
    checkStorage(run);
  } catch (error) {
    const trace = run.trace.map((s, n) => `  ${n + 1}. ${s}`).join("\n");
    (error as Error).message = `seed ${seed}, after step ${run.trace.length}:\n${trace}\n\n${(error as Error).message}`;
    throw error;
  }
}

// ── Tests ────────────────────────────────────────────────────────────────────────────

const SEQUENCES = 300;
const STEPS = 50;

describe("RoomIndex against a model", () => {
  it(`answers like the model through ${SEQUENCES} random sequences of ${STEPS} steps`, async () => {
    const started = Date.now();
    await runInDurableObject(orgRoom(env, "org_ixreview_1"), (_room: unknown, state: DurableObjectState) => {
      for (let seed = 1; seed <= SEQUENCES; seed++) runSequence(state.storage.sql, seed, STEPS);
    });
    console.log(`room-index model test: ${SEQUENCES} sequences × ${STEPS} steps in ${Date.now() - started} ms`);
  }, 300_000);
});
