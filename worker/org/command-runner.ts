import type { Bindings } from "../env.ts";
import { AppError } from "../errors.ts";
import { abuseLimits } from "../lib/abuse-limits.ts";
import type { Clock } from "../lib/clock.ts";
import { orgDatabase } from "../lib/database.ts";
import { combineInserts } from "../lib/sql/row-insert.ts";
import { toInStatement, type Statement } from "../lib/sql/statement.ts";
import type { Actor } from "./actor.ts";
import type { PlanContext, RoomPlan } from "./commands/plan-context.ts";
import { GroupCommitter, NeedsCommitted } from "./group-commit.ts";
import type { LiveHub } from "./live/hub.ts";
import type { OrgMailBudget } from "./mail-budget.ts";
import { asResult, type RoomResult } from "./result.ts";
import { parseInput, ActorInput, IdInput } from "./room-client.ts";
import type { RoomStateSlot } from "./room-state.ts";
import type { SeatEvents } from "./seat-events.ts";
import { guardCode, guardRefusal, rawGuard } from "../lib/sql/guard.ts";
import { rawStatement } from "../lib/sql/row-insert.ts";
import { databaseUnavailable, isUniqueViolation } from "../lib/database-errors.ts";
import type { Organization } from "../../db/schema/index.ts";
import { currentActor, type RoomState } from "./state.ts";
import { projectAudience } from "../domain/projects.ts";

/** A planner of a room command (commands/*.ts), the actor already re-checked against the state. */
export type Planner<T> = (ctx: PlanContext, state: RoomState, actor: Actor) => Promise<RoomPlan<T>> | RoomPlan<T>;

/** A place in the room's changes: the index's change log, and the organization's row and links then (replaced, never changed in place). */
type RoomMark = { at: number; org: Organization; links: RoomState["links"]; mail: ReturnType<OrgMailBudget["mark"]> };

/**
 * Groups in flight at once: the next is planned and sent while one commits (group-commit.ts).
 * Two keep the database busy while the room plans; more only queue there.
 */
const roomMaxInFlight = 2;

/** The parts of the room a command's plan reaches. */
export interface RunnerParts {
  env: Bindings;
  clock: Clock;
  slot: RoomStateSlot;
  live: LiveHub;
  mailBudget: OrgMailBudget;
  seatEvents: SeatEvents;
  /** Removed members' cached sessions are forgotten. */
  forgetUsers(userIds: string[]): void;
  /** Mail was queued: deliver it soon. */
  sendMail(): void;
  /** Faults the tests inject around each commit (none in production). */
  faults(): CommitFaults;
}

/**
 * Where tests break the room's commits (test/worker/room-faults.test.ts): before the
 * transaction is sent, or after it committed but before the room hears so (a lost answer,
 * or a room that dies there). Like the room's clock, a seam only tests move.
 */
export interface CommitFaults {
  beforeCommit?(statements: readonly Statement[]): Promise<void> | void;
  afterCommit?(statements: readonly Statement[]): Promise<void> | void;
}

/**
 * The one way a room command runs: queued, planned against the state in turn (the actor
 * re-checked there: a command ahead of it may have changed their role or removed them),
 * committed with its neighbours in one transaction (group-commit.ts), answered on its own,
 * and followed by what its plan says happens after the commit.
 */
export class CommandRunner {
  /** Every command of the organization, one at a time in arrival order, grouped into shared transactions. */
  readonly queue: GroupCommitter<RoomState, Statement, RoomMark>;
  readonly #parts: RunnerParts;

  constructor(parts: RunnerParts) {
    this.#parts = parts;
    const { env, slot, live, mailBudget, seatEvents } = parts;
    const orgId = () => slot.orgId();
    this.queue = new GroupCommitter<RoomState, Statement, RoomMark>({
      state: () => slot.load(slot.orgId()),
      invalidate: () => slot.invalidate(),
      // A guard or a unique index refused what the index said would pass: the index disagrees
      // with the database (a second writer) and is rebuilt. Other refusals (a CHECK, say) are
      // the command's own; taking back its changes is enough — and no request can make the
      // room rebuild at will.
      distrust: () => slot.distrust(),
      refused: (error) => (guardCode(error) !== null && guardCode(error) !== "database_unavailable") || isUniqueViolation(error),
      commit: async (statements) => {
        mailBudget.save();
        const faults = parts.faults();
        await faults.beforeCommit?.(statements);
        // One write transaction (BEGIN IMMEDIATE: it takes the lock up front instead of
        // upgrading midway); results are not needed, so drizzle only builds the SQL.
        await orgDatabase(env, orgId()).$client.batch(statements.map(toInStatement), "write");
        await faults.afterCommit?.(statements);
      },
      // A failed group's changes to the index and the organization's row are taken back.
      journal: {
        mark: (state) => ({ at: state.index.mark(), org: state.org, links: state.links, mail: mailBudget.mark() }),
        rollback: (state, mark) => {
          state.index.rollback(mark.at);
          state.org = mark.org;
          state.links = mark.links;
          mailBudget.restore(mark.mail);
        },
        committed: (state, mark, version) => state.index.committed(mark.at, version),
      },
      versions: {
        of: (state) => state.org.roomVersion,
        fenced: (error) => guardCode(error) === "database_unavailable",
        fence: (expected, next) => ({
          open: rawGuard("(SELECT room_version FROM organizations WHERE id = ?) = ?", [orgId(), expected], "database_unavailable"),
          close: rawStatement("UPDATE organizations SET room_version = ? WHERE id = ?", [next, orgId()]),
        }),
        read: async () => {
          const { rows } = await orgDatabase(env, orgId()).$client.execute({ sql: "SELECT room_version FROM organizations WHERE id = ?", args: [orgId()] });
          return Number(rows[0]?.room_version);
        },
      },
      maxInFlight: roomMaxInFlight,
      unknownOutcome: () => databaseUnavailable("The database did not answer, so whether the change was saved is not known; read it back, or retry with the same Idempotency-Key."),
      // Like commands (a run of invitations) insert their rows together.
      combine: (perCommand) => combineInserts(perCommand),
      // Owed once per transaction: one `seats.changed`, one alarm update, one send per socket.
      settled: () => {
        seatEvents.flush();
        live.flush();
      },
      // A guard refused the commit of a command retried alone.
      explain: guardRefusal,
    });
  }

  /** Runs a command for `actor` (null: the system, or an invitee answering). `appUrl` is given to commands that mail links. */
  run<T>(orgId: string, actor: Actor | null, plan: Planner<T>, appUrl?: string): Promise<RoomResult<T>> {
    return asResult(async () => {
      await this.#parts.slot.load(parseInput(IdInput, orgId));
      const checked = actor === null ? null : parseInput(ActorInput, actor);
      return this.queue.submit(async (state) => {
        // A command queued behind the organization's deletion (in the same group) is refused.
        if (state.org.deletedAt) throw new AppError("org_unavailable", "This organization was deleted.");
        const planned = await plan(this.#context(orgId, appUrl), state, checked ? currentActor(state, checked) : (null as never));
        return { ...planned, after: () => this.#afterCommit(state, planned) };
      });
    });
  }

  #context(orgId: string, appUrl: string | undefined): PlanContext {
    const { env, clock, mailBudget } = this.#parts;
    const queue = this.queue;
    let db: PlanContext["db"] | undefined;
    return {
      // Opened only by planners that read (an invitation's hot path builds raw SQL).
      get db() {
        return (db ??= orgDatabase(env, orgId));
      },
      read() {
        if (!queue.readable) throw new NeedsCommitted();
        return this.db;
      },
      now: clock.now(),
      // Only commands that mail links are given it; another that asks is a bug, never a relative link.
      get appUrl() {
        if (!appUrl) throw new AppError("internal_error", "This command was not given the dashboard's URL for its links.");
        return appUrl;
      },
      takeMailBudget: (n) => mailBudget.take(n),
      seatLimitCap: abuseLimits(env).seatLimitCap,
    };
  }

  /**
   * What follows a committed plan, in order: the sockets of revoked keys and removed members
   * close (before anyone hears of the removal), the events are published, and the seats'
   * change and the queued mail are owed once for the group.
   */
  #afterCommit(state: RoomState, plan: RoomPlan<unknown>): void {
    const { live } = this.#parts;
    for (const keyId of plan.revokedKeys ?? []) live.closeKey(keyId);
    const events = plan.events ?? [];
    const removed = events.flatMap((event) => (event.type === "member.removed" ? [event.data.userId] : []));
    this.#parts.forgetUsers(removed);
    for (const userId of removed) live.closeUser(userId);
    for (const event of events) {
      if (event.type === "member.updated") live.setRole(event.data.userId, event.data.role);
      live.publish(event, event.audience ?? (event.type === "project.changed" ? projectAudience(event.data) : undefined), event.subject);
    }
    if (plan.seatsChanged) this.#parts.seatEvents.changed(state);
    if (plan.sendsMail) this.#parts.sendMail();
  }
}
