import type { InArgs, InStatement } from "@libsql/client/web";
import { DurableObject } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import type { z } from "zod";
import { invitations, type Invitation } from "../../db/schema/index.ts";
import type { Seats } from "../domain/seats.ts";
import type { Bindings } from "../env.ts";
import { AppError, errorBody, type ErrorCode } from "../errors.ts";
import { abuseLimits } from "../lib/abuse-limits.ts";
import { systemClock, type Clock } from "../lib/clock.ts";
import { databaseUnavailable, isDatabaseUnavailable } from "../lib/database-errors.ts";
import { orgDatabase } from "../lib/database.ts";
import { combineInserts, isRawStatement } from "../lib/row-insert.ts";
import { orgView, type OrgView } from "../views/org.ts";
import type { Actor } from "./actor.ts";
import { AlarmScheduler } from "./alarm.ts";
import { planChangeMember, type ChangedMember } from "./commands/change-member.ts";
import { planCreateApiKey, type ApiKeyView } from "./commands/create-api-key.ts";
import { nextExpiry, planExpireDue } from "./commands/expire.ts";
import type { InvitationView } from "./commands/invitation-view.ts";
import { planInvite, type CreatedInvitation } from "./commands/invite.ts";
import { planDelete, planEdit, planExtend, planResend, planRevoke } from "./commands/manage-invitation.ts";
import type { PlanContext, RoomPlan, Statement } from "./commands/plan-context.ts";
import { planRemoveMember, planRemoveMembers, type RemovalResult } from "./commands/remove-members.ts";
import { planAccept, planDecline, type Response as InvitationResponse } from "./commands/respond.ts";
import { planRevokeApiKey } from "./commands/revoke-api-key.ts";
import { planTransferOwnership } from "./commands/transfer-ownership.ts";
import { planUpdateOrg } from "./commands/update-org.ts";
import { GroupCommitter } from "./group-commit.ts";
import { LiveHub } from "./live/hub.ts";
import { mailingUserOf, UserMailCredit } from "./user-mail-credit.ts";
import { parseLiveHandover, viewerOf } from "./live/viewer.ts";
import { OrgMailBudget } from "./mail-budget.ts";
import { MailDelivery } from "./mail-delivery.ts";
import { asResult, unwrap, type RoomResult } from "./result.ts";
import { RoomAuthorizer } from "./room-auth.ts";
import {
  ActorInput,
  ApiKeyInput,
  BulkRowInput,
  ChangeMemberInput,
  CredentialInput,
  IdInput,
  Ids,
  InvitationPatchInput,
  InviteeInput,
  InviteInput,
  OrgPatchInput,
  type BulkRow,
} from "./room-client.ts";
import { SeatEvents } from "./seat-events.ts";
import { guardCode } from "./sql-guard.ts";
import { currentActor, loadState, seatsOf, type RoomState } from "./state.ts";

export type BulkOutcome = CreatedInvitation | { error: { code: ErrorCode; message: string; details?: Record<string, number | string> } };

/** A planner of a room command (commands/*.ts), the actor already re-checked against the state. */
type Planner<T> = (ctx: PlanContext, state: RoomState, actor: Actor) => Promise<RoomPlan<T>> | RoomPlan<T>;

/** What a guard statement's failure means (sql-guard.ts); a guard fires only if a second writer slipped past the room. */
const guardRefusals: Partial<Record<ErrorCode, string>> = {
  seats_exhausted: "No seat is left on this organization's plan.",
  invitation_not_pending: "This invitation is no longer pending.",
  last_owner: "The organization must keep an owner.",
  forbidden: "Only an owner can transfer ownership.",
};

/** Parses an RPC input; a call the Worker should never make is a bug (500), not the user's. */
function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new AppError("internal_error", `The room was called with invalid input: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  return parsed.data;
}

/**
 * One per organization, keyed by the organization's immutable id (docs/architecture.md). It
 * is the organization's authority on who may act (members and API keys in memory, so
 * authorizing a request costs no database round trip), and it serializes every membership-
 * or seat-changing command through one queue. Every command has one shape: a planner
 * (commands/) returns its statements, its answer and its events; the queue commits the
 * statements with those of the commands planned beside it, and the room then publishes.
 */
export class OrgRoom extends DurableObject<Bindings> {
  /**
   * The room's one queue: every command of the organization, one at a time in arrival
   * order, grouped into shared transactions (group-commit.ts). Exposed for tests and the bench.
   */
  readonly queue: GroupCommitter<RoomState, Statement>;
  /** The room's one source of "now"; tests move it. */
  clock: Clock = systemClock;
  /** The live channel: numbered events and the organization's sockets. */
  readonly live: LiveHub;
  /** Invitation mail of each user across their organizations (user-mail-credit.ts). */
  readonly userMail: UserMailCredit;
  readonly #auth: RoomAuthorizer;
  readonly #mailBudget: OrgMailBudget;
  readonly #mail: MailDelivery;
  readonly #alarm: AlarmScheduler;
  readonly #seatEvents: SeatEvents;
  #state: Promise<RoomState | null> | undefined;
  #orgId: string | undefined;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    const clock: Clock = { now: () => this.clock.now() };
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS room_org (id TEXT NOT NULL)");
    this.live = new LiveHub(ctx, clock);
    this.userMail = new UserMailCredit(env);
    this.#auth = new RoomAuthorizer(ctx.storage, env, clock);
    this.#mailBudget = new OrgMailBudget(ctx.storage.sql, clock);
    this.#alarm = new AlarmScheduler(ctx.storage, clock, async () => {
      const state = await this.#state;
      return [state ? nextExpiry(state) : null, this.#mail.nextAt, this.live.nextExpiry()];
    });
    this.#mail = new MailDelivery(env, clock, {
      orgId: () => this.#knownOrgId(),
      submit: (plan) => this.queue.submit((state) => ({ ...plan(state), after: undefined })),
      scheduleAlarm: () => this.#alarm.schedule(),
    });
    this.#seatEvents = new SeatEvents((state) => {
      this.live.publish({ type: "seats.changed", data: this.#seats(state) });
      void this.#alarm.schedule();
    });
    this.queue = new GroupCommitter<RoomState, Statement>({
      state: () => this.#load(this.#knownOrgId()),
      invalidate: () => {
        this.#state = undefined;
      },
      commit: async (statements) => {
        this.#mailBudget.save();
        // One write transaction (BEGIN IMMEDIATE: it takes the lock up front instead of
        // upgrading midway); results are not needed, so drizzle only builds the SQL.
        await orgDatabase(env, this.#knownOrgId()).$client.batch(statements.map(toInStatement), "write");
      },
      // Like commands (a run of invitations) insert their rows together.
      combine: (perCommand) => combineInserts(perCommand),
      // Owed once per transaction: one `seats.changed`, one alarm update, one send per socket.
      settled: () => {
        this.#seatEvents.flush();
        this.live.flush();
      },
      explain: (error) => {
        const code = guardCode(error) as ErrorCode | null;
        const message = code ? guardRefusals[code] : undefined;
        return code && message ? new AppError(code, message) : error;
      },
    });
  }

  // ── Authorization ──────────────────────────────────────────────────────────────────

  /** Who the credential is in this organization, or why it is refused. */
  async authorize(orgId: string, credential: unknown): Promise<RoomResult<Actor>> {
    return asResult(async () => this.#auth.authorize(await this.#load(parse(IdInput, orgId)), parse(CredentialInput, credential)));
  }

  /** Forgets a signed-out session for good (until its expiry), and closes its sockets. */
  async revokeSession(sessionId: string, expiresAt: number): Promise<void> {
    this.#auth.revokeSession(parse(IdInput, sessionId), expiresAt);
    this.live.closeSession(sessionId);
  }

  /** A member changed their name: the room's copy follows, and the members list hears of it. */
  async memberRenamed(userId: string, name: string): Promise<void> {
    const state = await this.#state;
    if (!state?.members.has(userId)) return;
    state.memberNames.set(userId, name);
    this.live.publish({ type: "member.updated", data: { userId, role: state.members.get(userId) ?? "member", name } });
  }

  // ── Reads ──────────────────────────────────────────────────────────────────────────

  async getOrg(orgId: string): Promise<RoomResult<{ org: OrgView; seats: Seats }>> {
    return asResult(async () => {
      const state = await this.#load(parse(IdInput, orgId));
      return { org: orgView(state.org), seats: this.#seats(state) };
    });
  }

  // ── Invitations ────────────────────────────────────────────────────────────────────

  /** `appUrl` here and below: the dashboard's URL for the links mailed (lib/request.ts `appUrl`). */
  async invite(orgId: string, actor: Actor, input: unknown, appUrl: string): Promise<RoomResult<CreatedInvitation>> {
    const invitation = parse(InviteInput, input);
    return this.#mailing(actor, 1, () => this.#run(orgId, actor, (ctx, state, actor) => planInvite(ctx, state, actor, invitation), appUrl));
  }

  /**
   * {@link invite} for a credential not yet authorized: authorizing and inviting in one
   * call saves the hot path a whole Durable Object hop.
   */
  async inviteAs(orgId: string, credential: unknown, input: unknown, appUrl: string): Promise<RoomResult<CreatedInvitation>> {
    const authorized = await this.authorize(orgId, credential);
    if (!authorized.ok) return authorized;
    return this.invite(orgId, authorized.value, input, appUrl);
  }

  /** Many invitations, planned in row order and committed in a few shared transactions. */
  async inviteBulk(orgId: string, actor: Actor, input: unknown, appUrl: string): Promise<RoomResult<BulkOutcome[]>> {
    const rows: BulkRow[] = parse(BulkRowInput.array().max(1000), input);
    const mails = rows.filter((row) => !("error" in row)).length;
    const run = () =>
      asResult(async () => {
        const answers = rows.map((row) =>
          "error" in row ? Promise.resolve({ ok: false as const, error: row.error }) : this.#run(orgId, actor, (ctx, state, actor) => planInvite(ctx, state, actor, row), appUrl),
        );
        const settled = await Promise.all(answers);
        this.userMail.refund(mailingUserOf(actor), settled.filter((answer, i) => !answer.ok && !("error" in rows[i]!)).length);
        return settled.map((answer): BulkOutcome =>
          answer.ok
            ? answer.value
            : { error: { code: answer.error.code, message: answer.error.message, ...("details" in answer.error && answer.error.details ? { details: answer.error.details as Record<string, number | string> } : {}) } },
        );
      });
    return this.#mailing(actor, mails, run);
  }

  async editInvitation(orgId: string, actor: Actor, id: string, patch: unknown): Promise<RoomResult<{ invitation: InvitationView }>> {
    const changes = parse(InvitationPatchInput, patch);
    return this.#run(orgId, actor, async (ctx, state, actor) => planEdit(ctx, state, actor, (await this.#invitation(ctx, state, id)).id, changes));
  }

  async resendInvitation(orgId: string, actor: Actor, id: string, input: { mail: boolean }, appUrl: string): Promise<RoomResult<CreatedInvitation>> {
    const mail = input.mail === true;
    return this.#mailing(actor, mail ? 1 : 0, () =>
      this.#run(orgId, actor, async (ctx, state, actor) => planResend(ctx, state, actor, await this.#invitation(ctx, state, id), { mail }), appUrl),
    );
  }

  async extendInvitation(orgId: string, actor: Actor, id: string, input: { days: number | null }, appUrl: string): Promise<RoomResult<{ invitation: InvitationView; inviteUrl?: string }>> {
    const days = typeof input.days === "number" ? input.days : null;
    const extended = await this.#run(orgId, actor, async (ctx, state, actor) => planExtend(ctx, state, actor, await this.#invitation(ctx, state, id), { days }), appUrl);
    // An expired invitation is re-issued by extending it, which mails the fresh link.
    if (extended.ok && extended.value.inviteUrl !== undefined) this.userMail.charge(mailingUserOf(actor), 1, this.clock.now());
    return extended;
  }

  async revokeInvitation(orgId: string, actor: Actor, id: string): Promise<RoomResult<{ invitation: InvitationView }>> {
    return this.#run(orgId, actor, async (ctx, state, actor) => planRevoke(ctx, state, actor, (await this.#invitation(ctx, state, id)).id));
  }

  async deleteInvitation(orgId: string, actor: Actor, id: string): Promise<RoomResult<{ id: string }>> {
    return this.#run(orgId, actor, async (ctx, state, actor) => planDelete(ctx, state, actor, await this.#invitation(ctx, state, id)));
  }

  /** The invitee's answer; the Worker has matched the signed-in user to the invitation. */
  async respondToInvitation(orgId: string, id: string, invitee: unknown, answer: "accept" | "decline", appUrl: string): Promise<RoomResult<InvitationResponse>> {
    const user = parse(InviteeInput, invitee);
    const invitationId = parse(IdInput, id);
    return this.#run(orgId, null, (ctx, state) => (answer === "accept" ? planAccept(ctx, state, invitationId, user) : planDecline(ctx, state, invitationId, user)), appUrl);
  }

  // ── The organization, its members and keys ─────────────────────────────────────────

  async updateOrg(orgId: string, actor: Actor, patch: unknown): Promise<RoomResult<OrgView>> {
    const changes = parse(OrgPatchInput, patch);
    return this.#run(orgId, actor, (ctx, state, actor) => planUpdateOrg(ctx, state, actor, changes));
  }

  async changeMember(orgId: string, actor: Actor, input: unknown): Promise<RoomResult<ChangedMember>> {
    const change = parse(ChangeMemberInput, input);
    return this.#run(orgId, actor, (ctx, state, actor) => planChangeMember(ctx, state, actor, change));
  }

  async removeMember(orgId: string, actor: Actor, userId: string): Promise<RoomResult<{ userId: string }>> {
    const id = parse(IdInput, userId);
    return this.#run(orgId, actor, (ctx, state, actor) => planRemoveMember(ctx, state, actor, id));
  }

  async removeMembers(orgId: string, actor: Actor, userIds: unknown): Promise<RoomResult<RemovalResult[]>> {
    const ids = parse(Ids, userIds);
    return this.#run(orgId, actor, (ctx, state, actor) => planRemoveMembers(ctx, state, actor, ids));
  }

  async transferOwnership(orgId: string, actor: Actor, userId: string): Promise<RoomResult<{ owner: string; previousOwner: string }>> {
    const id = parse(IdInput, userId);
    return this.#run(orgId, actor, (ctx, state, actor) => planTransferOwnership(ctx, state, actor, id));
  }

  async createApiKey(orgId: string, actor: Actor, input: unknown): Promise<RoomResult<{ apiKey: ApiKeyView; secret: string }>> {
    const key = parse(ApiKeyInput, input);
    return this.#run(orgId, actor, (ctx, state, actor) => planCreateApiKey(ctx, state, actor, key));
  }

  async revokeApiKey(orgId: string, actor: Actor, keyId: string): Promise<RoomResult<{ id: string }>> {
    const id = parse(IdInput, keyId);
    return this.#run(orgId, actor, (ctx, state, actor) => planRevokeApiKey(ctx, state, actor, id));
  }

  // ── Platform handlers ──────────────────────────────────────────────────────────────

  /** Expires due invitations, retries due mail, closes the sockets of ended sessions, and sets the next alarm. */
  override async alarm(): Promise<void> {
    this.#alarm.fired();
    try {
      const expired = await this.#run(this.#knownOrgId(), null, (ctx, state) => planExpireDue(ctx, state));
      // An outage is the platform's to retry (it retries a failed alarm).
      if (!expired.ok && expired.error.code === "database_unavailable") unwrap(expired);
      await this.#mail.run();
      this.live.closeExpired();
      await this.#alarm.schedule();
    } catch (error) {
      console.error("[roster] OrgRoom.alarm failed:", error);
      throw error; // the platform retries the alarm
    }
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
      if (handover.sessionExpiresAt !== undefined) void this.#alarm.schedule();
      return accepted;
    } catch (error) {
      const unavailable = !(error instanceof AppError) && isDatabaseUnavailable(error);
      if (!(error instanceof AppError) && !unavailable) console.error("[roster] OrgRoom.fetch failed:", error);
      const refusal = error instanceof AppError ? error : unavailable ? databaseUnavailable() : new AppError("internal_error", "Something went wrong on our side.");
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

  // ── The one way a command runs ─────────────────────────────────────────────────────

  /**
   * Queues a command: planned against the state in turn, the actor re-checked there (a
   * command ahead of it may have changed their role or removed them), committed with its
   * neighbours, answered on its own, and followed by its plan's effects.
   */
  #run<T>(orgId: string, actor: Actor | null, plan: Planner<T>, appUrl?: string): Promise<RoomResult<T>> {
    return asResult(async () => {
      await this.#load(parse(IdInput, orgId));
      const checked = actor === null ? null : parse(ActorInput, actor);
      return this.queue.submit(async (state) => {
        const planned = await plan(this.#planContext(orgId, appUrl), state, checked ? currentActor(state, checked) : (null as never));
        return { ...planned, after: () => this.#afterCommit(state, planned) };
      });
    });
  }

  #planContext(orgId: string, appUrl: string | undefined): PlanContext {
    const env = this.env;
    let db: PlanContext["db"] | undefined;
    return {
      // Opened only by planners that read (an invitation's hot path builds raw SQL).
      get db() {
        return (db ??= orgDatabase(env, orgId));
      },
      now: this.clock.now(),
      // Only commands that mail links are given it; another that asks is a bug, never a relative link.
      get appUrl() {
        if (!appUrl) throw new AppError("internal_error", "This command was not given the dashboard's URL for its links.");
        return appUrl;
      },
      takeMailBudget: (n) => this.#mailBudget.take(n),
      seatLimitCap: abuseLimits(env).seatLimitCap,
    };
  }

  /**
   * What follows a committed plan, in order: the sockets of revoked keys and removed members
   * close (before anyone hears of the removal), the events are published, and the seats'
   * change and the queued mail are owed once for the group.
   */
  #afterCommit(state: RoomState, plan: RoomPlan<unknown>): void {
    for (const keyId of plan.revokedKeys ?? []) this.live.closeKey(keyId);
    const events = plan.events ?? [];
    const removed = events.flatMap((event) => (event.type === "member.removed" ? [event.data.userId] : []));
    this.#auth.forgetUsers(removed);
    for (const userId of removed) this.live.closeUser(userId);
    for (const event of events) {
      if (event.type === "member.updated") this.live.setRole(event.data.userId, event.data.role);
      this.live.publish(event);
    }
    if (plan.seatsChanged) this.#seatEvents.changed(state);
    if (plan.sendsMail) this.#mail.soon();
  }

  /**
   * Runs a command that mails up to `mails` invitations after spending them from the
   * acting user's hourly budget; what it did not mail (all of it when it failed) is given back.
   */
  async #mailing<T>(actor: Actor, mails: number, run: () => Promise<RoomResult<T>>): Promise<RoomResult<T>> {
    const spent = await asResult(() => this.userMail.spend(mailingUserOf(actor), mails, this.clock.now()));
    if (!spent.ok) return spent;
    const result = await run();
    if (!result.ok) this.userMail.refund(mailingUserOf(actor), mails);
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

  /** The organization's seats, as `seats.changed` carries them. */
  #seats(state: RoomState): Seats {
    return seatsOf(state, this.clock.now());
  }

  // ── The room's organization and state ──────────────────────────────────────────────

  #knownOrgId(): string {
    if (this.#orgId) return this.#orgId;
    const row = this.ctx.storage.sql.exec<{ id: string }>("SELECT id FROM room_org LIMIT 1").toArray()[0];
    if (!row) throw new AppError("not_found", "This room has no organization.");
    this.#orgId = row.id;
    return row.id;
  }

  async #load(orgId: string): Promise<RoomState> {
    if (this.#orgId !== undefined && this.#orgId !== orgId) throw new AppError("internal_error", "This room belongs to another organization.");
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
}

/** A drizzle statement as the libSQL client takes it (drizzle's own batch does the same). */
function toInStatement(statement: Statement): InStatement {
  if (isRawStatement(statement)) return { sql: statement.sql, args: statement.args };
  const query = (statement as unknown as { _prepare(): { getQuery(): { sql: string; params: unknown[] } } })._prepare().getQuery();
  return { sql: query.sql, args: query.params as InArgs };
}
