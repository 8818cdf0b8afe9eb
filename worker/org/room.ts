import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../env.ts";
import { AppError, type ErrorCode } from "../errors.ts";
import { systemClock, type Clock } from "../lib/clock.ts";
import type { CreatedApiKeyView } from "../views/api-key.ts";
import { errorBody } from "../views/error.ts";
import type { CreatedInvitationView, InvitationAnswerView, InvitationView } from "../views/invitation.ts";
import type { ChangedMemberView } from "../views/member.ts";
import { orgView, type OrgView } from "../views/org.ts";
import type { SeatsView } from "../views/seats.ts";
import type { Actor } from "./actor.ts";
import { AlarmScheduler } from "./alarm.ts";
import { planChangeMember } from "./commands/change-member.ts";
import { planCreateApiKey } from "./commands/create-api-key.ts";
import { nextExpiry, planExpireDue } from "./commands/expire.ts";
import { findInvitation } from "./commands/find-invitation.ts";
import { planInvite } from "./commands/invite.ts";
import { planDelete } from "./commands/delete-invitation.ts";
import { planEdit } from "./commands/edit-invitation.ts";
import { planExtend } from "./commands/extend-invitation.ts";
import { planResend } from "./commands/resend-invitation.ts";
import { planRevoke } from "./commands/revoke-invitation.ts";
import { planRemoveMember, planRemoveMembers, type RemovalResult } from "./commands/remove-members.ts";
import { planAccept, planDecline } from "./commands/respond.ts";
import { planRevokeApiKey } from "./commands/revoke-api-key.ts";
import { planTransferOwnership } from "./commands/transfer-ownership.ts";
import { planUpdateOrg } from "./commands/update-org.ts";
import { planDeleteOrg } from "./commands/delete-org.ts";
import type { DeletedOrgView } from "../views/deleted-org.ts";
import { planSetOrgStatus } from "./commands/org-status.ts";
import { planAssignProjects, planCreateProject, planDeleteProject, planRemoveProjectMember, planUpdateProject } from "./commands/projects.ts";
import type { ProjectAssignmentsView, ProjectView } from "../views/project.ts";
import { planJoinByLink } from "./commands/join-by-link.ts";
import { planCheckLink, planReadLinks } from "./commands/link-reads.ts";
import { planRegenerateLink } from "./commands/regenerate-link.ts";
import { planSetLinkEnabled } from "./commands/set-link-enabled.ts";
import { LinkEmailInput, LinkEnabledInput, LinkJoinInputSchema, LinkKindInput } from "./link-inputs.ts";
import type { LinkJoinView, LinkStateView } from "../views/link.ts";
import { CommandRunner, type CommitFaults } from "./command-runner.ts";
import { LiveHub } from "./live/hub.ts";
import { parseLiveHandover, viewerOf } from "./live/viewer.ts";
import { OrgMailBudget } from "./mail-budget.ts";
import { MailDelivery } from "./mail-delivery.ts";
import { recordDelivery } from "./delivery-events.ts";
import { asResult, refusalOf, unwrap, type RoomResult } from "./result.ts";
import { RoomAuthorizer } from "./room-auth.ts";
import * as rpc from "./room-client.ts";
import { RoomStateSlot } from "./room-state.ts";
import { SeatEvents } from "./seat-events.ts";
import { currentActor, seatsOf, type RoomState } from "./state.ts";
import { UserMailCredit } from "./user-mail-credit.ts";
import { deletedAsUnknownKey, orgDeleted } from "./lifecycle-auth.ts";

const parse = rpc.parseInput;

type BulkRefusal = { code: ErrorCode; message: string; details?: Record<string, number | string> };
export type BulkOutcome = CreatedInvitationView | { error: BulkRefusal };

/**
 * One per organization, keyed by the organization's immutable id (docs/architecture.md). It
 * is the organization's authority on who may act (members and API keys in memory, so
 * authorizing a request costs no database round trip), and it serializes every membership-
 * or seat-changing command through one queue. Every command has one shape: a planner
 * (commands/) returns its statements, its answer and its events; the queue commits the
 * statements with those of the commands planned beside it, and the room then publishes.
 */
export class OrgRoom extends DurableObject<Bindings> {
  /** The room's one source of "now"; tests move it. */
  clock: Clock = systemClock;
  /** Faults around each commit; only tests set them (command-runner.ts). */
  faults: CommitFaults = {};
  /** The live channel: numbered events and the organization's sockets. */
  readonly live: LiveHub;
  /** Invitation mail of each user across their organizations (user-mail-credit.ts). */
  readonly userMail: UserMailCredit;
  readonly #auth: RoomAuthorizer;
  readonly #commands: CommandRunner;
  readonly #mail: MailDelivery;
  readonly #alarm: AlarmScheduler;
  readonly #seatEvents: SeatEvents;
  readonly #slot: RoomStateSlot;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    const clock: Clock = { now: () => this.clock.now() };
    this.live = new LiveHub(ctx, clock);
    this.#slot = new RoomStateSlot(ctx.storage.sql, env, () => this.live.closeAll());
    this.userMail = new UserMailCredit(env);
    this.#auth = new RoomAuthorizer(ctx.storage, env, clock);
    this.#alarm = new AlarmScheduler(ctx.storage, clock, async () => {
      const state = await this.#slot.loaded;
      return [state ? nextExpiry(state) : null, await this.#mail.dueAt(), this.live.nextExpiry()];
    });
    this.#mail = new MailDelivery(env, clock, {
      orgId: () => this.#slot.orgId(),
      // Delivery changes are published like a command's events, after their group.
      submit: (plan) =>
        this.queue.submit((state) => {
          const planned = plan(state);
          return { ...planned, after: () => planned.events?.forEach((event) => this.live.publish(event)) };
        }),
      scheduleAlarm: () => this.#alarm.schedule(),
    });
    this.#seatEvents = new SeatEvents((state) => {
      this.live.publish({ type: "seats.changed", data: this.#seats(state) });
      void this.#alarm.schedule();
    });
    this.#commands = new CommandRunner({
      env, clock, slot: this.#slot, live: this.live, mailBudget: new OrgMailBudget(ctx.storage.sql, clock), seatEvents: this.#seatEvents,
      forgetUsers: (userIds) => this.#auth.forgetUsers(userIds),
      sendMail: () => this.#mail.soon(),
      faults: () => this.faults,
    });
  }

  /** The room's one queue (command-runner.ts), exposed for tests and the bench. */
  get queue(): CommandRunner["queue"] {
    return this.#commands.queue;
  }

  /** The room's state slot (room-state.ts), exposed for tests and the bench: its index, its rebuilds. */
  get slot(): RoomStateSlot {
    return this.#slot;
  }

  // ── Authorization ──────────────────────────────────────────────────────────────────

  /** Who the credential is in this organization, or why it is refused. */
  async authorize(orgId: string, credential: unknown): Promise<RoomResult<Actor>> {
    return asResult(async () => {
      const checked = parse(rpc.CredentialInput, credential);
      return this.#auth.authorize(await deletedAsUnknownKey(this.#slot.load(parse(rpc.IdInput, orgId)), checked), checked);
    });
  }

  /** Forgets a signed-out session for good (until its expiry), and closes its sockets. */
  async revokeSession(sessionId: string, expiresAt: number): Promise<void> {
    this.#auth.revokeSession(parse(rpc.IdInput, sessionId), expiresAt);
    this.live.closeSession(sessionId);
  }

  /** A member changed their name: the room's copy follows, and the members list hears of it. */
  async memberRenamed(userId: string, name: string): Promise<void> {
    // Written to the index's storage whether or not the room is loaded: the index outlives the
    // instance, and must not keep the old name. (A room that never built its index reads it then.)
    const index = this.#slot.index;
    const role = index.role(userId);
    if (role === undefined) return;
    index.rename(userId, name);
    this.live.publish({ type: "member.updated", data: { userId, role, name } });
  }

  // ── Reads ──────────────────────────────────────────────────────────────────────────

  async getOrg(orgId: string): Promise<RoomResult<{ org: OrgView; seats: SeatsView }>> {
    return asResult(async () => {
      const state = await this.#slot.load(parse(rpc.IdInput, orgId));
      return { org: orgView(state.org), seats: this.#seats(state) };
    });
  }

  // ── Invitations ────────────────────────────────────────────────────────────────────

  /** `appUrl` here and below: the dashboard's URL for the links mailed (lib/request.ts `appUrl`). */
  async invite(orgId: string, actor: Actor, input: unknown, appUrl: string): Promise<RoomResult<CreatedInvitationView>> {
    const invitation = parse(rpc.InviteInput, input);
    return this.userMail.spendFor(actor, invitation.mail ? 1 : 0, this.clock.now(), () => this.#commands.run(orgId, actor, (ctx, state, actor) => planInvite(ctx, state, actor, invitation), appUrl));
  }

  /**
   * {@link invite} for a credential not yet authorized: authorizing and inviting in one
   * call saves the hot path a whole Durable Object hop.
   */
  async inviteAs(orgId: string, credential: unknown, input: unknown, appUrl: string): Promise<RoomResult<CreatedInvitationView>> {
    const authorized = await this.authorize(orgId, credential);
    if (!authorized.ok) return authorized;
    return this.invite(orgId, authorized.value, input, appUrl);
  }

  /** Many invitations, planned in row order and committed in a few shared transactions. */
  async inviteBulk(orgId: string, actor: Actor, input: unknown, appUrl: string): Promise<RoomResult<BulkOutcome[]>> {
    const rows: rpc.BulkRow[] = parse(rpc.BulkInput, input);
    const mails = rows.filter((row) => !("error" in row) && row.mail).length;
    const run = () =>
      asResult(async () => {
        const answers = rows.map((row) =>
          "error" in row ? Promise.resolve({ ok: false as const, error: row.error }) : this.#commands.run(orgId, actor, (ctx, state, actor) => planInvite(ctx, state, actor, row), appUrl),
        );
        return (await Promise.all(answers)).map((answer): BulkOutcome => (answer.ok ? answer.value : { error: answer.error as BulkRefusal }));
      });
    return this.userMail.spendFor(actor, mails, this.clock.now(), run, (outcomes) => outcomes.filter((outcome) => !("error" in outcome) && outcome.invitation.delivery !== "not_mailed").length);
  }

  async editInvitation(orgId: string, actor: Actor, id: string, patch: unknown): Promise<RoomResult<{ invitation: InvitationView }>> {
    const changes = parse(rpc.InvitationPatchInput, patch);
    return this.#commands.run(orgId, actor, async (ctx, state, actor) => planEdit(ctx, state, actor, (await findInvitation(ctx, state, id)).id, changes));
  }

  async resendInvitation(orgId: string, actor: Actor, id: string, input: { mail: boolean }, appUrl: string): Promise<RoomResult<CreatedInvitationView>> {
    const mail = input.mail === true;
    return this.userMail.spendFor(actor, mail ? 1 : 0, this.clock.now(), () =>
      this.#commands.run(orgId, actor, async (ctx, state, actor) => planResend(ctx, state, actor, await findInvitation(ctx, state, id), { mail }), appUrl),
    );
  }

  async extendInvitation(orgId: string, actor: Actor, id: string, input: { days: number | null }, appUrl: string): Promise<RoomResult<{ invitation: InvitationView; inviteUrl?: string }>> {
    const days = typeof input.days === "number" ? input.days : null;
    // Extending an invitation that is no longer pending re-issues it and mails the fresh link:
    // that mail is spent first, like any invitation's, and settled by what was mailed.
    const pending = (await this.#slot.load(parse(rpc.IdInput, orgId))).index.pending(id);
    const spent = pending && pending.expiresAt.getTime() > this.clock.now() ? 0 : 1;
    return this.userMail.spendFor(
      actor,
      spent,
      this.clock.now(),
      () => this.#commands.run(orgId, actor, async (ctx, state, actor) => planExtend(ctx, state, actor, await findInvitation(ctx, state, id), { days }), appUrl),
      (extended) => (extended.inviteUrl === undefined ? 0 : 1),
    );
  }

  async revokeInvitation(orgId: string, actor: Actor, id: string): Promise<RoomResult<{ invitation: InvitationView }>> {
    return this.#commands.run(orgId, actor, async (ctx, state, actor) => planRevoke(ctx, state, actor, (await findInvitation(ctx, state, id)).id));
  }

  async deleteInvitation(orgId: string, actor: Actor, id: string): Promise<RoomResult<{ id: string }>> {
    return this.#commands.run(orgId, actor, async (ctx, state, actor) => planDelete(ctx, state, actor, await findInvitation(ctx, state, id)));
  }

  /** The invitee's answer; the Worker has matched the signed-in user to the invitation. */
  async respondToInvitation(orgId: string, id: string, invitee: unknown, answer: "accept" | "decline", appUrl: string): Promise<RoomResult<InvitationAnswerView>> {
    const user = parse(rpc.InviteeInput, invitee);
    const invitationId = parse(rpc.IdInput, id);
    return this.#commands.run(orgId, null, (ctx, state) => (answer === "accept" ? planAccept(ctx, state, invitationId, user) : planDecline(ctx, state, invitationId, user)), appUrl);
  }

  /** A delivery webhook's outcome for an invitation's mail (routes/webhooks/resend.ts). */
  async recordDelivery(orgId: string, change: unknown): Promise<RoomResult<{ applied: boolean }>> {
    return asResult(async () => {
      await this.#slot.load(parse(rpc.IdInput, orgId));
      return recordDelivery(this.env, this.queue, this.live, parse(rpc.DeliveryChangeInput, change), this.clock.now());
    });
  }

  // ── The organization, its members and keys ─────────────────────────────────────────

  async updateOrg(orgId: string, actor: Actor, patch: unknown): Promise<RoomResult<OrgView>> {
    const changes = parse(rpc.OrgPatchInput, patch);
    return this.#commands.run(orgId, actor, (ctx, state, actor) => planUpdateOrg(ctx, state, actor, changes));
  }

  /** Makes the organization dormant or active again (commands/org-status.ts). */
  async setOrgStatus(orgId: string, actor: Actor, status: unknown): Promise<RoomResult<OrgView>> {
    const next = parse(rpc.OrgStatusInput, status);
    return this.#commands.run(orgId, actor, (ctx, state, actor) => planSetOrgStatus(ctx, state, actor, next));
  }

  /**
   * Deletes the organization (commands/delete-org.ts), in the queue like any seat command, so
   * nothing queued behind it commits; then closes every socket (4410). From then on the
   * room refuses every call with `org_unavailable` (room-state.ts).
   */
  async deleteOrg(orgId: string, actor: Actor, confirm: unknown): Promise<RoomResult<DeletedOrgView>> {
    const typed = parse(rpc.DeleteConfirmInput, confirm);
    const deleted = await this.#commands.run(orgId, actor, (ctx, state, actor) => planDeleteOrg(ctx, state, actor, typed));
    if (deleted.ok) this.live.closeAll();
    // A failed run may still have committed (its answer lost): a fresh load tells, and closes the sockets then.
    else await orgDeleted(this.#slot);
    return deleted;
  }

  async changeMember(orgId: string, actor: Actor, input: unknown): Promise<RoomResult<ChangedMemberView>> {
    const change = parse(rpc.ChangeMemberInput, input);
    return this.#commands.run(orgId, actor, (ctx, state, actor) => planChangeMember(ctx, state, actor, change));
  }

  async removeMember(orgId: string, actor: Actor, userId: string): Promise<RoomResult<{ userId: string }>> {
    const id = parse(rpc.IdInput, userId);
    return this.#commands.run(orgId, actor, (ctx, state, actor) => planRemoveMember(ctx, state, actor, id));
  }

  async removeMembers(orgId: string, actor: Actor, userIds: unknown): Promise<RoomResult<RemovalResult[]>> {
    const ids = parse(rpc.Ids, userIds);
    return this.#commands.run(orgId, actor, (ctx, state, actor) => planRemoveMembers(ctx, state, actor, ids));
  }

  async transferOwnership(orgId: string, actor: Actor, userId: string): Promise<RoomResult<{ owner: string; previousOwner: string }>> {
    const id = parse(rpc.IdInput, userId);
    return this.#commands.run(orgId, actor, (ctx, state, actor) => planTransferOwnership(ctx, state, actor, id));
  }

  async createApiKey(orgId: string, actor: Actor, input: unknown): Promise<RoomResult<CreatedApiKeyView>> {
    const key = parse(rpc.ApiKeyInput, input);
    return this.#commands.run(orgId, actor, (ctx, state, actor) => planCreateApiKey(ctx, state, actor, key));
  }

  async revokeApiKey(orgId: string, actor: Actor, keyId: string): Promise<RoomResult<{ id: string }>> {
    const id = parse(rpc.IdInput, keyId);
    return this.#commands.run(orgId, actor, (ctx, state, actor) => planRevokeApiKey(ctx, state, actor, id));
  }

  // ── Projects ───────────────────────────────────────────────────────────────────────

  async createProject(orgId: string, actor: Actor, input: unknown): Promise<RoomResult<ProjectView>> {
    const project = parse(rpc.ProjectInput, input);
    return this.#commands.run(orgId, actor, (ctx, state, actor) => planCreateProject(ctx, state, actor, project));
  }

  async updateProject(orgId: string, actor: Actor, projectId: string, patch: unknown): Promise<RoomResult<ProjectView>> {
    const id = parse(rpc.IdInput, projectId);
    const changes = parse(rpc.ProjectPatchInput, patch);
    return this.#commands.run(orgId, actor, (ctx, state, actor) => planUpdateProject(ctx, state, actor, id, changes));
  }

  async deleteProject(orgId: string, actor: Actor, projectId: string): Promise<RoomResult<{ id: string }>> {
    const id = parse(rpc.IdInput, projectId);
    return this.#commands.run(orgId, actor, (ctx, state, actor) => planDeleteProject(ctx, state, actor, id));
  }

  async assignProjects(orgId: string, actor: Actor, input: unknown): Promise<RoomResult<ProjectAssignmentsView>> {
    const assignment = parse(rpc.ProjectAssignmentInput, input);
    return this.#commands.run(orgId, actor, (ctx, state, actor) => planAssignProjects(ctx, state, actor, assignment));
  }

  async removeProjectMember(orgId: string, actor: Actor, projectId: string, userId: string): Promise<RoomResult<{ projectId: string; userId: string }>> {
    const project = parse(rpc.IdInput, projectId);
    const user = parse(rpc.IdInput, userId);
    return this.#commands.run(orgId, actor, (ctx, state, actor) => planRemoveProjectMember(ctx, state, actor, project, user));
  }

  // ── Self-registration links ────────────────────────────────────────────────────────

  /** Both links' state, read in order with the commands that change them (the URLs are the Worker's to derive). */
  async links(orgId: string, actor: Actor): Promise<RoomResult<LinkStateView[]>> {
    return this.#commands.run(orgId, actor, (ctx, state, actor) => planReadLinks(ctx, state, actor));
  }

  async setLinkEnabled(orgId: string, actor: Actor, kind: unknown, enabled: unknown): Promise<RoomResult<LinkStateView>> {
    const k = parse(LinkKindInput, kind);
    const on = parse(LinkEnabledInput, enabled);
    return this.#commands.run(orgId, actor, (ctx, state, actor) => planSetLinkEnabled(ctx, state, actor, k, on));
  }

  async regenerateLink(orgId: string, actor: Actor, kind: unknown): Promise<RoomResult<LinkStateView>> {
    const k = parse(LinkKindInput, kind);
    return this.#commands.run(orgId, actor, (ctx, state, actor) => planRegenerateLink(ctx, state, actor, k));
  }

  /** Whether a link generation would take someone now (commands/link-reads.ts); refuses with the join's codes. `mails`: a mail is sent, charged to the hourly budget. */
  async checkLink(orgId: string, kind: unknown, generation: unknown, email: unknown, mails: unknown = false): Promise<RoomResult<{ org: { slug: string; name: string } }>> {
    const k = parse(LinkKindInput, kind);
    const g = parse(LinkJoinInputSchema.shape.generation, generation);
    const address = parse(LinkEmailInput, email);
    const charged = parse(LinkEnabledInput, mails);
    return this.#commands.run(orgId, null, (ctx, state) => planCheckLink(ctx, state, k, g, address, charged));
  }

  /** A join through a link whose token the Worker verified; the room says whether that generation is still live. */
  async joinByLink(orgId: string, input: unknown, appUrl: string): Promise<RoomResult<LinkJoinView>> {
    const join = parse(LinkJoinInputSchema, input);
    return this.#commands.run(orgId, null, (ctx, state) => planJoinByLink(ctx, state, join), appUrl);
  }

  // ── Platform handlers ──────────────────────────────────────────────────────────────

  /** Expires due invitations, retries due mail, closes the sockets of ended sessions, and sets the next alarm. */
  override async alarm(): Promise<void> {
    this.#alarm.fired();
    try {
      const expired = await this.#commands.run(this.#slot.orgId(), null, (ctx, state) => planExpireDue(ctx, state));
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
      const state = await this.#slot.load(handover.orgId);
      const accepted = this.live.accept(viewerOf(currentActor(state, handover.actor), handover.sessionExpiresAt));
      // The alarm closes the socket when its session ends.
      if (handover.sessionExpiresAt !== undefined) void this.#alarm.schedule();
      return accepted;
    } catch (error) {
      const refusal = refusalOf(error, "OrgRoom.fetch");
      return Response.json(errorBody(refusal), { status: refusal.status });
    }
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    try {
      // A room woken for a frame checks its organization first: a deleted one closes every
      // socket (4410) instead of answering, a `resume` included (lifecycle-auth.ts).
      if (await orgDeleted(this.#slot)) return;
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

  /** The organization's seats, as `seats.changed` carries them. */
  #seats(state: RoomState): SeatsView {
    return seatsOf(state, this.clock.now());
  }
}
