import type { InArgs, InStatement } from "@libsql/client/web";
import { DurableObject } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { apiKeys, invitations, sessions, type Invitation, type Organization } from "../../db/schema/index.ts";
import type { Credential } from "../auth/credentials.ts";
import type { Role } from "../domain/roles.ts";
import { lowerOf } from "../domain/roles.ts";
import type { Bindings } from "../env.ts";
import type { OrgView } from "../domain/org.ts";
import type { Seats } from "../domain/seats.ts";
import { AppError, errorBody } from "../errors.ts";
import { orgDatabase, userDatabase } from "../lib/database.ts";
import { combineInserts, isRawStatement } from "../lib/row-insert.ts";
import { guardCode } from "./sql-guard.ts";
import type { Actor } from "./actor.ts";
import { createApiKey, revokeApiKey, type ApiKeyView } from "./commands/api-keys.ts";
import { changeMember, type ChangedMember, type ChangeMemberInput } from "./commands/change-member.ts";
import type { CommandContext } from "./commands/context.ts";
import { removeMember, removeMembers, type RemovalResult } from "./commands/remove-members.ts";
import { transferOwnership } from "./commands/transfer-ownership.ts";
import { updateOrg, type OrgPatch } from "./commands/update-org.ts";
import { LiveHub } from "./live/hub.ts";
import { mailingUserOf, UserMailCredit } from "./user-mail-credit.ts";
import { abuseLimits } from "../lib/abuse-limits.ts";
import { parseLiveHandover, viewerOf } from "./live/viewer.ts";
import { asResult, unwrap, type RoomResult } from "./result.ts";
import { databaseUnavailable, isDatabaseUnavailable } from "../lib/database-errors.ts";
import { currentActor, loadState, seatsOf, type RoomState } from "./state.ts";
import { GroupCommitter } from "./group-commit.ts";
import { nextExpiry, planExpireDue } from "./commands/expire.ts";
import { planInvite, type CreatedInvitation, type InviteInput } from "./commands/invite.ts";
import type { InvitationView } from "./commands/invitation-view.ts";
import { planDelete, planEdit, planExtend, planResend, planRevoke } from "./commands/manage-invitation.ts";
import type { PlanContext, RoomPlan, Statement } from "./commands/plan-context.ts";
import { planAccept, planDecline, type Invitee, type Response as InvitationResponse } from "./commands/respond.ts";
import { deliverDue, type DeliveryRun } from "../mail/outbox.ts";
import { mailerFor } from "../mail/mailer.ts";
import { systemClock, type Clock } from "../lib/clock.ts";
import type { ErrorCode } from "../errors.ts";
import type { ProjectAssignment } from "../../db/schema/index.ts";
import type { LiveEventType } from "./live/protocol.ts";
import type { Scope } from "../domain/scopes.ts";

/** What the room answers to a ping: proof that it ran the task in its queue. */
export interface PingResult {
  orgId: string;
  /** Pings this instance has run, this one included: their order through the queue. */
  served: number;
}

export type { OrgView };

export function orgView(org: Organization): OrgView {
  return {
    id: org.id,
    slug: org.slug,
    name: org.name,
    plan: org.plan,
    seatLimit: org.seatLimit,
    status: org.status,
    autoPrivateProject: org.autoPrivateProject,
    allowedEmailDomains: org.allowedEmailDomains,
    defaultInviteTtlDays: org.defaultInviteTtlDays,
    createdAt: org.createdAt.toISOString(),
    updatedAt: org.updatedAt.toISOString(),
  };
}

/** A row of a bulk invitation: resolved, or already refused by the Worker. */
export type BulkRow = InviteInput | { error: { code: ErrorCode; message: string } };
export type BulkOutcome = CreatedInvitation | { error: { code: ErrorCode; message: string; details?: Record<string, number | string> } };
export interface InvitationPatch {
  role?: Role;
  projects?: ProjectAssignment[];
  message?: string | null;
}

/** A credential as it crosses RPC into the room. */
export type RoomCredential =
  | { kind: "session"; sessionId: string; userId: string; expiresAt: number }
  | { kind: "api_key"; secretHash: string };

/** How long a room trusts its own record that a session is live before asking again. */
const sessionRecheckMs = 5 * 60_000;

/** How often, at most, a key's last use is written to the database. */
const lastUseWriteIntervalMs = 60_000;

/**
 * One per organization, keyed by the organization's immutable id. It is the organization's
 * authority on who may act (members and API keys held in memory, so authorizing a request
 * costs no database round trip) and it serializes every membership- or seat-changing
 * command through one queue.
 */
export class OrgRoom extends DurableObject<Bindings> {
  /**
   * The room's one queue: every command of the organization, one at a time in arrival
   * order, grouped into shared transactions where they can be (group-commit.ts). Exposed
   * for tests that look inside the room (`runInDurableObject`).
   */
  readonly queue: GroupCommitter<RoomState, Statement>;
  /** The room's source of "now"; tests move it. */
  clock: Clock = systemClock;
  /** The live channel: numbered events and the organization's sockets. */
  readonly live: LiveHub;
  #state: Promise<RoomState | null> | undefined;
  #orgId: string | undefined;
  readonly #keyLastUseWritten = new Map<string, number>();

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    // Sessions this room has checked against the database: `revoked` 0 or 1. A live session
    // is looked up again after `sessionRecheckMs`, so a sign-out that could not reach this
    // room still takes effect; sign-out that does reach it takes effect at once.
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS sessions_seen (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, revoked INTEGER NOT NULL, expires_at INTEGER NOT NULL, checked_at INTEGER NOT NULL)",
    );
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS room_org (id TEXT NOT NULL)");
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS mail_budget (hour INTEGER PRIMARY KEY, used INTEGER NOT NULL)");
    this.live = new LiveHub(ctx, { now: () => this.clock.now() });
    this.userMail = new UserMailCredit(env);
    this.queue = new GroupCommitter<RoomState, Statement>({
      state: () => this.#load(this.#knownOrgId()),
      invalidate: () => {
        this.#state = undefined;
      },
      commit: async (statements) => {
        this.#saveMailBudget();
        // One write transaction (BEGIN IMMEDIATE: it takes the lock up front instead of
        // upgrading midway); results are not needed, so drizzle only builds the SQL.
        await orgDatabase(env, this.#knownOrgId()).$client.batch(statements.map(toInStatement), "write");
      },
      // Like commands (a run of invitations) insert their rows together.
      combine: (perCommand) => combineInserts(perCommand),
      // A refusal (AppError) left the state as it was; anything else may not have.
      keepsState: (error) => error instanceof AppError,
      // Owed once per transaction: one `seats.changed`, one alarm update, one send per socket.
      settled: () => {
        this.#publishSeatsIfChanged();
        this.live.flush();
      },
      // A guard of a planned command refused the commit.
      explain: (error) => {
        const code = guardCode(error);
        if (code === "seats_exhausted") return new AppError("seats_exhausted", "No seat is left on this organization's plan.");
        if (code === "invitation_not_pending") return new AppError("invitation_not_pending", "This invitation is no longer pending.");
        return error;
      },
    });
  }

  /**
   * The cheapest call: through the queue and back, touching neither storage nor the
   * database. The benchmark's no-op ceiling ("calls the room and does nothing", docs/performance.md).
   */
  async ping(orgId: string): Promise<PingResult> {
    return this.queue.run(() => ({ orgId, served: ++this.#pings }));
  }

  #pings = 0;

  /** Who the credential is in this organization, or why it is refused. */
  async authorize(orgId: string, credential: RoomCredential): Promise<RoomResult<Actor>> {
    return asResult(async () => {
      const state = await this.#load(orgId);
      if (credential.kind === "session") return this.#sessionActor(state, credential);
      return this.#keyActor(state, credential.secretHash);
    });
  }

  /** A member changed their name: the room's copy follows, and the members list hears of it. */
  async memberRenamed(userId: string, name: string): Promise<void> {
    const state = await this.#state;
    if (!state?.members.has(userId)) return;
    state.memberNames.set(userId, name);
    this.live.publish("member.updated", { userId, role: state.members.get(userId) ?? "member", name });
  }

  /** Forgets a signed-out session for good (until its expiry). */
  async revokeSession(sessionId: string, expiresAt: number): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM sessions_seen WHERE expires_at < ?", Date.now());
    this.#sessionsSeen.set(sessionId, { userId: "", revoked: true, checkedAt: Date.now() });
    // Revoked wins over a lookup still in flight that would write "not revoked".
    this.ctx.storage.sql.exec(
      "INSERT INTO sessions_seen (id, user_id, revoked, expires_at, checked_at) VALUES (?, '', 1, ?, ?) " +
        "ON CONFLICT (id) DO UPDATE SET revoked = 1",
      sessionId,
      expiresAt,
      Date.now(),
    );
    this.live.closeSession(sessionId);
  }

  async getOrg(orgId: string): Promise<RoomResult<{ org: OrgView; seats: Seats }>> {
    return asResult(async () => {
      const state = await this.#load(orgId);
      return { org: orgView(state.org), seats: this.#seats(state) };
    });
  }

  async invite(orgId: string, actor: Actor, input: InviteInput): Promise<RoomResult<CreatedInvitation>> {
    return this.#mailing(actor, 1, () => this.#invite(orgId, actor, input));
  }

  #invite(orgId: string, actor: Actor, input: InviteInput): Promise<RoomResult<CreatedInvitation>> {
    return this.#plan(orgId, actor, (ctx, state, actor) => planInvite(ctx, state, actor, input));
  }

  /**
   * {@link invite} for a credential not yet authorized: authorizing and inviting in one
   * call saves the hot path a whole Durable Object hop.
   */
  async inviteAs(orgId: string, credential: RoomCredential, input: InviteInput): Promise<RoomResult<CreatedInvitation>> {
    const authorized = await this.authorize(orgId, credential);
    if (!authorized.ok) return authorized;
    return this.invite(orgId, authorized.value, input);
  }

  /** Many invitations, planned in row order and committed in a few shared transactions. */
  async inviteBulk(orgId: string, actor: Actor, rows: BulkRow[]): Promise<RoomResult<BulkOutcome[]>> {
    const mails = rows.filter((row) => !("error" in row)).length;
    const run = () => asResult(async () => {
      const answers = rows.map((row) => ("error" in row ? Promise.resolve({ ok: false as const, error: row.error }) : this.#invite(orgId, actor, row)));
      const settled = await Promise.all(answers);
      this.userMail.refund(mailingUserOf(actor), settled.filter((answer, i) => !answer.ok && !("error" in rows[i]!)).length);
      return settled.map((answer): BulkOutcome =>
        answer.ok ? answer.value : { error: { code: answer.error.code, message: answer.error.message, ...("details" in answer.error && answer.error.details ? { details: answer.error.details as Record<string, number | string> } : {}) } },
      );
    });
    return this.#mailing(actor, mails, run, () => 0);
  }

  async editInvitation(orgId: string, actor: Actor, id: string, patch: InvitationPatch): Promise<RoomResult<{ invitation: InvitationView }>> {
    return this.#plan(orgId, actor, async (ctx, state, actor) => planEdit(ctx, state, actor, (await this.#invitation(ctx, state, id)).id, patch));
  }

  async resendInvitation(orgId: string, actor: Actor, id: string, input: { mail: boolean }): Promise<RoomResult<CreatedInvitation>> {
    return this.#mailing(actor, input.mail ? 1 : 0, () =>
      this.#plan(orgId, actor, async (ctx, state, actor) => planResend(ctx, state, actor, await this.#invitation(ctx, state, id), input)),
    );
  }

  async extendInvitation(orgId: string, actor: Actor, id: string, input: { days: number | null }): Promise<RoomResult<{ invitation: InvitationView; inviteUrl?: string }>> {
    const extended = await this.#plan(orgId, actor, async (ctx, state, actor) => planExtend(ctx, state, actor, await this.#invitation(ctx, state, id), input));
    // An expired invitation is re-issued by extending it, which mails the fresh link.
    if (extended.ok && extended.value.inviteUrl !== undefined) this.userMail.charge(mailingUserOf(actor), 1, this.clock.now());
    return extended;
  }

  async revokeInvitation(orgId: string, actor: Actor, id: string): Promise<RoomResult<{ invitation: InvitationView }>> {
    return this.#plan(orgId, actor, async (ctx, state, actor) => planRevoke(ctx, state, actor, (await this.#invitation(ctx, state, id)).id));
  }

  async deleteInvitation(orgId: string, actor: Actor, id: string): Promise<RoomResult<{ id: string }>> {
    return this.#plan(orgId, actor, async (ctx, state, actor) => planDelete(ctx, state, actor, await this.#invitation(ctx, state, id)));
  }

  /** The invitee's answer; the Worker has matched the signed-in user to the invitation. */
  async respondToInvitation(orgId: string, id: string, invitee: Invitee, answer: "accept" | "decline"): Promise<RoomResult<InvitationResponse>> {
    return this.#plan(orgId, null, (ctx, state) => (answer === "accept" ? planAccept(ctx, state, id, invitee) : planDecline(ctx, state, id, invitee)));
  }

  /** Expires due invitations, retries due mail, closes the sockets of ended sessions, and sets the next alarm. */
  override async alarm(): Promise<void> {
    // This alarm has fired: the next one is unknown until set again.
    this.#alarmAt = undefined;
    try {
      const orgId = this.#knownOrgId();
      const expired = await this.#plan(orgId, null, (ctx, state) => planExpireDue(ctx, state));
      // An outage is the platform's to retry (it retries a failed alarm).
      if (!expired.ok && expired.error.code === "database_unavailable") unwrap(expired);
      await this.#deliverMail();
      this.live.closeExpired();
      await this.#scheduleAlarm();
    } catch (error) {
      console.error("[roster] OrgRoom.alarm failed:", error);
      throw error; // the platform retries the alarm
    }
  }

  async updateOrg(orgId: string, actor: Actor, patch: OrgPatch): Promise<RoomResult<OrgView>> {
    return this.#command(orgId, actor, async (ctx, actor) => {
      const before = ctx.state.org;
      const org = await updateOrg(ctx, actor, patch, abuseLimits(this.env).seatLimitCap);
      if (org !== before) {
        this.live.publish("org.updated", { org: orgView(org) });
        if (org.seatLimit !== before.seatLimit) this.live.publish("seats.changed", this.#seats(ctx.state));
      }
      return orgView(org);
    });
  }

  async changeMember(orgId: string, actor: Actor, input: ChangeMemberInput): Promise<RoomResult<ChangedMember>> {
    return this.#command(orgId, actor, async (ctx, actor) => {
      const changed = await changeMember(ctx, actor, input);
      this.live.setRole(changed.userId, changed.role);
      this.live.publish("member.updated", changed);
      return changed;
    });
  }

  async removeMember(orgId: string, actor: Actor, userId: string): Promise<RoomResult<{ userId: string }>> {
    return this.#command(orgId, actor, async (ctx, actor) => {
      const removed = await removeMember(ctx, actor, userId);
      this.#membersRemoved(ctx.state, [removed.userId]);
      return removed;
    });
  }

  async removeMembers(orgId: string, actor: Actor, userIds: string[]): Promise<RoomResult<RemovalResult[]>> {
    return this.#command(orgId, actor, async (ctx, actor) => {
      const results = await removeMembers(ctx, actor, userIds);
      this.#membersRemoved(ctx.state, results.filter((r) => r.removed).map((r) => r.userId));
      return results;
    });
  }

  async transferOwnership(orgId: string, actor: Actor, userId: string): Promise<RoomResult<{ owner: string; previousOwner: string }>> {
    return this.#command(orgId, actor, async (ctx, actor) => {
      const transfer = await transferOwnership(ctx, actor, userId);
      for (const [id, role] of [[transfer.owner, "owner"], [transfer.previousOwner, "admin"]] as const) {
        this.live.setRole(id, role);
        this.live.publish("member.updated", { userId: id, role });
      }
      return transfer;
    });
  }

  async createApiKey(orgId: string, actor: Actor, input: { name: string; scopes: Scope[] }): Promise<RoomResult<{ apiKey: ApiKeyView; secret: string }>> {
    return this.#command(orgId, actor, (ctx, actor) => createApiKey(ctx, actor, input));
  }

  async revokeApiKey(orgId: string, actor: Actor, keyId: string): Promise<RoomResult<{ id: string }>> {
    return this.#command(orgId, actor, async (ctx, actor) => {
      const revoked = await revokeApiKey(ctx, actor, keyId);
      this.live.closeKey(revoked.id);
      return revoked;
    });
  }

  /**
   * The live upgrade, handed over by the Worker after it authorized the caller (routes/live/
   * connect.ts). The actor is re-checked against the room's members: a removal that
   * committed since the Worker asked wins.
   */
  override async fetch(request: Request): Promise<Response> {
    try {
      if (new URL(request.url).pathname !== "/live" || request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        throw new AppError("not_found", "Not found.");
      }
      const handover = parseLiveHandover(request.headers);
      if (!handover) throw new AppError("validation_failed", "The live handover is not valid.");
      const state = await this.#load(handover.orgId);
      const accepted = this.live.accept(viewerOf(currentActor(state, handover.actor), handover.sessionExpiresAt));
      // The alarm closes the socket when its session ends.
      if (handover.sessionExpiresAt !== undefined) void this.#scheduleAlarm();
      return accepted;
    } catch (error) {
      const unavailable = !(error instanceof AppError) && isDatabaseUnavailable(error);
      if (!(error instanceof AppError) && !unavailable) console.error("[roster] OrgRoom.fetch failed:", error);
      const refusal =
        error instanceof AppError ? error : unavailable ? databaseUnavailable() : new AppError("internal_error", "Something went wrong on our side.");
      return Response.json(errorBody(refusal), { status: refusal.status });
    }
  }

  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    try {
      this.live.onMessage(ws, message);
    } catch (error) {
      console.error("[roster] OrgRoom.webSocketMessage failed:", error);
    }
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    try {
      this.live.onClose(ws, code, reason);
    } catch (error) {
      console.error("[roster] OrgRoom.webSocketClose failed:", error);
    }
  }

  override webSocketError(_ws: WebSocket, error: unknown): void {
    console.warn("[roster] OrgRoom.webSocketError:", error);
  }

  /**
   * Runs a command in the queue against fresh state. The actor was authorized before the
   * command queued; it is re-checked here, since a command ahead of it may have changed
   * the actor's role or removed them.
   */
  #command<T>(orgId: string, actor: Actor, run: (ctx: CommandContext, actor: Actor) => Promise<T>): Promise<RoomResult<T>> {
    return asResult(async () => {
      await this.#load(orgId);
      return this.queue.exclusive((state) => run({ db: orgDatabase(this.env, orgId), state, now: this.clock.now() }, currentActor(state, actor)));
    });
  }

  /**
   * Queues a groupable command: planned against the state in turn (the actor re-checked
   * there), committed with its neighbours, answered on its own.
   */
  #plan<T>(orgId: string, actor: Actor | null, plan: (ctx: PlanContext, state: RoomState, actor: Actor) => Promise<RoomPlan<T>> | RoomPlan<T>): Promise<RoomResult<T>> {
    return asResult(async () => {
      await this.#load(orgId);
      const env = this.env;
      return this.queue.submit((state) => {
        let db: PlanContext["db"] | undefined;
        const ctx: PlanContext = {
          // Opened only by planners that read (an invitation's hot path builds raw SQL).
          get db() {
            return (db ??= orgDatabase(env, orgId));
          },
          now: this.clock.now(),
          appUrl: (this.env.APP_URL ?? "").replace(/\/+$/, ""),
          takeMailBudget: (n) => this.#takeMailBudget(n),
          effects: {
            publish: (events) => {
              for (const event of events) this.live.publish(event.type as LiveEventType, event.data as never);
            },
            seatsChanged: () => this.#seatsChangedOnce(state),
            sendMail: () => this.#deliverMailSoon(),
          },
        };
        return plan(ctx, state, actor ? currentActor(state, actor) : (null as never));
      });
    });
  }

  /** Invitation mail of each user across their organizations (worker/org/user-mail-credit.ts). */
  readonly userMail: UserMailCredit;

  /**
   * Runs a command that mails up to `mails` invitations after spending them from the
   * acting user's hourly budget; what it did not mail (by `unsent`: all of it when it
   * failed) is given back.
   */
  async #mailing<T>(actor: Actor, mails: number, run: () => Promise<RoomResult<T>>, unsent: (value: T) => number = () => 0): Promise<RoomResult<T>> {
    const spent = await asResult(() => this.userMail.spend(mailingUserOf(actor), mails, this.clock.now()));
    if (!spent.ok) return spent;
    const result = await run();
    this.userMail.refund(mailingUserOf(actor), result.ok ? unsent(result.value) : mails);
    return result;
  }

  /** A pending invitation from the state, else any invitation of this organization from the database. */
  async #invitation(ctx: PlanContext, state: RoomState, id: string): Promise<Invitation> {
    const pending = state.pending.get(id);
    if (pending) return pending;
    const [row] = await ctx.db.select().from(invitations).where(and(eq(invitations.id, id), eq(invitations.orgId, state.org.id)));
    if (!row) throw new AppError("not_found", "No such invitation.");
    return row;
  }

  /**
   * Invitation mail an organization may send per hour: room for two bulks of 1,000, not for
   * turning Roster into a spam cannon (a resend loop, a self-raised seat limit).
   */
  static mailPerHour = 2_000;

  /** This hour's mail count, read from storage once per hour per instance. */
  #mailBudget: { hour: number; used: number } | undefined;

  #takeMailBudget(n: number): void {
    const now = this.clock.now();
    const hour = Math.floor(now / 3_600_000);
    const sql = this.ctx.storage.sql;
    if (this.#mailBudget?.hour !== hour) {
      sql.exec("DELETE FROM mail_budget WHERE hour <> ?", hour);
      const used = sql.exec<{ used: number }>("SELECT used FROM mail_budget WHERE hour = ?", hour).toArray()[0]?.used ?? 0;
      this.#mailBudget = { hour, used };
    }
    const budget = this.#mailBudget;
    if (budget.used + n > OrgRoom.mailPerHour) {
      const retryAfterSeconds = Math.ceil(((hour + 1) * 3_600_000 - now) / 1000);
      throw new AppError("rate_limited", `This organization has sent ${OrgRoom.mailPerHour} invitations this hour.`, { retryAfterSeconds });
    }
    budget.used += n;
    this.#mailBudgetUnsaved = true;
  }

  #mailBudgetUnsaved = false;

  /**
   * Keeps this hour's mail count in storage too, so eviction does not reset it. Written once
   * per transaction, in the turn that sends it to the database: before any of its mail can
   * be committed (a room reset mid-commit can only leave the stored count too high), and
   * before any of its answers leave (the output gate holds them until it is stored). Not
   * once per command: a write to the room's storage costs workerd ~0.3 ms of CPU (a no-op
   * call that wrote once ran at half the rate of one that did not).
   */
  #saveMailBudget(): void {
    if (!this.#mailBudgetUnsaved) return;
    this.#mailBudgetUnsaved = false;
    const { hour, used } = this.#mailBudget!;
    this.ctx.storage.sql.exec("INSERT INTO mail_budget (hour, used) VALUES (?, ?) ON CONFLICT (hour) DO UPDATE SET used = excluded.used", hour, used);
  }

  /** The state whose seats changed in the group being settled (undefined: they did not). */
  #seatsChangedIn: RoomState | undefined;

  /**
   * One `seats.changed` (and one alarm update) per group of commands, however many of
   * them changed the seats: the group's effects mark it, `settled` publishes it after them
   * (a microtask does, for effects run outside a group).
   */
  #seatsChangedOnce(state: RoomState): void {
    if (this.#seatsChangedIn) return;
    this.#seatsChangedIn = state;
    queueMicrotask(() => this.#publishSeatsIfChanged());
  }

  #publishSeatsIfChanged(): void {
    const state = this.#seatsChangedIn;
    if (!state) return;
    this.#seatsChangedIn = undefined;
    this.live.publish("seats.changed", this.#seats(state));
    void this.#scheduleAlarm();
  }

  #mailRunning: Promise<void> | undefined;
  #mailSoon = false;

  /**
   * Starts delivering the mail a commit queued once the room has handed its events to the
   * sockets: a timer fires after the sends this turn queued, so the delivery's database and
   * mail round trips do not land in the middle of a fan-out (a mail may wait a moment; a
   * socket should not). One timer for all the commands of a group.
   */
  #deliverMailSoon(): void {
    if (this.#mailSoon) return;
    this.#mailSoon = true;
    setTimeout(() => {
      this.#mailSoon = false;
      void this.#deliverMail();
    }, 0);
  }

  /** Sends the organization's due mail in the background; one delivery run at a time. */
  #deliverMail(): Promise<void> {
    this.#mailRunning ??= (async () => {
      try {
        // The alarm stands behind this run: if the room is restarted midway, it retries.
        this.#nextMailAt = this.clock.now() + 30_000;
        await this.#scheduleAlarm();
        const orgId = this.#knownOrgId();
        const deliver = async (): Promise<number | null> => {
          const run = await deliverDue(orgDatabase(this.env, orgId), mailerFor(this.env), orgId, this.clock.now());
          if (run.sent.length > 0 || run.failed.length > 0) await this.queue.submit((state) => this.#settleDeliveries(state, run));
          return run.next;
        };
        let next = await deliver();
        // Keep going while mail is due now (more than one page, or mail queued meanwhile).
        while (next !== null && next <= this.clock.now()) next = await deliver();
        this.#nextMailAt = next;
        await this.#scheduleAlarm();
      } catch (error) {
        console.error("[roster] OrgRoom mail delivery failed; the alarm retries:", error);
        this.#nextMailAt = this.clock.now() + 30_000;
        await this.#scheduleAlarm();
      } finally {
        this.#mailRunning = undefined;
      }
    })();
    return this.#mailRunning;
  }

  #nextMailAt: number | null = null;

  /**
   * The room's copies of pending invitations follow what the outbox recorded of their mail
   * (as the database does: `sent` only over `queued`), so the views its commands answer and
   * publish say what the list says. Planned in the queue like a command, in order with the
   * others (and in their group: it commits nothing).
   */
  #settleDeliveries(state: RoomState, run: Pick<DeliveryRun, "sent" | "failed">): RoomPlan<void> {
    const settle = (id: string, delivery: "sent" | "failed"): void => {
      const invitation = state.pending.get(id);
      if (!invitation || (delivery === "sent" && invitation.delivery !== "queued")) return;
      state.pending.set(id, { ...invitation, delivery });
    };
    for (const id of run.sent) settle(id, "sent");
    for (const id of run.failed) settle(id, "failed");
    return { statements: [], value: undefined };
  }

  /** The alarm as this instance last read or set it (undefined: not known). */
  #alarmAt: number | null | undefined;

  /** Sets the alarm to the next due time: an invitation's expiry or a mail retry. */
  async #scheduleAlarm(): Promise<void> {
    const state = await this.#state;
    const times = [state ? nextExpiry(state) : null, this.#nextMailAt, this.live.nextExpiry()].filter((t): t is number => t !== null);
    if (times.length === 0) return;
    const at = Math.max(Math.min(...times), Date.now() + 10);
    // An alarm set no later than needed, and not yet past, stands (it sets the next one).
    const standing = (current: number | null | undefined): boolean => current != null && current <= at && current >= Date.now();
    if (standing(this.#alarmAt)) return;
    this.#alarmAt = await this.ctx.storage.getAlarm();
    if (standing(this.#alarmAt)) return;
    await this.ctx.storage.setAlarm(at);
    this.#alarmAt = at;
  }

  #knownOrgId(): string {
    if (this.#orgId) return this.#orgId;
    const row = this.ctx.storage.sql.exec<{ id: string }>("SELECT id FROM room_org LIMIT 1").toArray()[0];
    if (!row) throw new AppError("not_found", "This room has no organization.");
    this.#orgId = row.id;
    return row.id;
  }

  async #load(orgId: string): Promise<RoomState> {
    if (this.#orgId !== undefined && this.#orgId !== orgId) {
      throw new AppError("internal_error", "This room belongs to another organization.");
    }
    if (this.#orgId === undefined) {
      this.#orgId = orgId;
      this.ctx.storage.sql.exec("DELETE FROM room_org");
      this.ctx.storage.sql.exec("INSERT INTO room_org (id) VALUES (?)", orgId);
    }
    // One load per room instance; concurrent callers share it. A failed load is retried.
    this.#state ??= loadState(orgDatabase(this.env, orgId), orgId).catch((error: unknown) => {
      this.#state = undefined;
      throw error;
    });
    const state = await this.#state;
    if (!state) {
      this.#state = undefined;
      throw new AppError("not_found", "No such organization.");
    }
    return state;
  }

  async #sessionActor(state: RoomState, credential: RoomCredential & { kind: "session" }): Promise<Actor> {
    const role = state.members.get(credential.userId);
    // A non-member learns nothing, not even that the organization exists.
    if (!role) throw new AppError("not_found", "No such organization.");
    if (await this.#sessionRevoked(credential)) {
      throw new AppError("unauthenticated", "Your session has ended; sign in again.");
    }
    return { type: "user", userId: credential.userId, role, sessionId: credential.sessionId };
  }

  /** `sessions_seen` as this instance last read or wrote it: every request asks, so from memory. */
  readonly #sessionsSeen = new Map<string, { userId: string; revoked: boolean; checkedAt: number }>();

  async #sessionRevoked(credential: { sessionId: string; userId: string; expiresAt: number }): Promise<boolean> {
    const known = this.#sessionsSeen.get(credential.sessionId);
    if (known && (known.revoked || Date.now() - known.checkedAt < sessionRecheckMs)) return known.revoked;
    const sql = this.ctx.storage.sql;
    const seen = sql
      .exec<{ revoked: number; checked_at: number }>("SELECT revoked, checked_at FROM sessions_seen WHERE id = ?", credential.sessionId)
      .toArray()[0];
    if (seen && (seen.revoked === 1 || Date.now() - seen.checked_at < sessionRecheckMs)) {
      this.#rememberSession(credential.sessionId, credential.userId, seen.revoked === 1, seen.checked_at);
      return seen.revoked === 1;
    }
    // Sessions live on the user side of the seam (the sharding seam, docs/architecture.md).
    const [row] = await userDatabase(this.env)
      .select({ revokedAt: sessions.revokedAt })
      .from(sessions)
      .where(eq(sessions.id, credential.sessionId));
    const revoked = !row || row.revokedAt !== null;
    sql.exec(
      "INSERT INTO sessions_seen (id, user_id, revoked, expires_at, checked_at) VALUES (?, ?, ?, ?, ?) " +
        "ON CONFLICT (id) DO UPDATE SET revoked = max(revoked, excluded.revoked), checked_at = excluded.checked_at",
      credential.sessionId,
      credential.userId,
      revoked ? 1 : 0,
      credential.expiresAt,
      Date.now(),
    );
    const final = revoked || sql.exec<{ revoked: number }>("SELECT revoked FROM sessions_seen WHERE id = ?", credential.sessionId).one().revoked === 1;
    this.#rememberSession(credential.sessionId, credential.userId, final, Date.now());
    return final;
  }

  #rememberSession(sessionId: string, userId: string, revoked: boolean, checkedAt: number): void {
    // A revocation recorded meanwhile (revokeSession) always wins.
    if (this.#sessionsSeen.get(sessionId)?.revoked) return;
    if (this.#sessionsSeen.size >= 10_000) this.#sessionsSeen.clear();
    this.#sessionsSeen.set(sessionId, { userId, revoked, checkedAt });
  }

  async #keyActor(state: RoomState, secretHash: string): Promise<Actor> {
    const key = state.keys.get(secretHash);
    if (!key) throw new AppError("unauthenticated", "The API key is not valid for this organization.");
    const creatorRole: Role | undefined = state.members.get(key.createdBy);
    // A key never acts beyond its creator's current role, and dies with their membership.
    if (!creatorRole) throw new AppError("unauthenticated", "The API key's creator is no longer a member.");
    await this.#recordKeyUse(key.id);
    return { type: "api_key", keyId: key.id, role: lowerOf("admin", creatorRole), scopes: key.scopes, createdBy: key.createdBy };
  }

  async #recordKeyUse(keyId: string): Promise<void> {
    const now = Date.now();
    if (now - (this.#keyLastUseWritten.get(keyId) ?? 0) < lastUseWriteIntervalMs) return;
    this.#keyLastUseWritten.set(keyId, now);
    const db = orgDatabase(this.env, this.#orgId ?? "");
    try {
      await db.update(apiKeys).set({ lastUsedAt: new Date(now) }).where(eq(apiKeys.id, keyId));
    } catch (error) {
      // Bookkeeping must not fail the request it describes; the next use tries again.
      this.#keyLastUseWritten.delete(keyId);
      console.warn("[roster] OrgRoom: recording an API key's last use failed:", error);
    }
  }

  /** Removed members lose their sockets at once (before anyone hears of it), then everyone is told. */
  #membersRemoved(state: RoomState, userIds: string[]): void {
    if (userIds.length === 0) return;
    // Should they come back, their sessions are checked afresh.
    for (const userId of userIds) this.ctx.storage.sql.exec("DELETE FROM sessions_seen WHERE user_id = ? AND revoked = 0", userId);
    const removed = new Set(userIds);
    for (const [id, seen] of this.#sessionsSeen) if (!seen.revoked && removed.has(seen.userId)) this.#sessionsSeen.delete(id);
    for (const userId of userIds) this.live.closeUser(userId);
    for (const userId of userIds) this.live.publish("member.removed", { userId });
    this.live.publish("seats.changed", this.#seats(state));
  }

  /** The organization's seats, as `seats.changed` carries them. */
  #seats(state: RoomState): Seats {
    return seatsOf(state, this.clock.now());
  }
}

/** A drizzle statement as the libSQL client takes it (drizzle's own batch does the same). */
function toInStatement(statement: Statement): InStatement {
  if (isRawStatement(statement)) return { sql: statement.sql, args: statement.args };
  const query = (statement as unknown as { _prepare(): { getQuery(): { sql: string; params: unknown[] } } })._prepare().getQuery();
  return { sql: query.sql, args: query.params as InArgs };
}

/** Room ids by namespace and organization: `idFromName` hashes the name on every call. */
const roomIds = new WeakMap<object, Map<string, DurableObjectId>>();
const maxRememberedRoomIds = 10_000;

/** The stub of an organization's room. */
export function orgRoom(env: Bindings, orgId: string): DurableObjectStub<OrgRoom> {
  const namespace = env.ORG_ROOM;
  let ids = roomIds.get(namespace);
  if (!ids) roomIds.set(namespace, (ids = new Map()));
  let id = ids.get(orgId);
  if (!id) {
    id = namespace.idFromName(orgId);
    if (ids.size >= maxRememberedRoomIds) ids.clear();
    ids.set(orgId, id);
  }
  return namespace.get(id);
}

export type { Credential };
