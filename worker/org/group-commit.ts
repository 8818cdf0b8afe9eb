/**
 * Group commit for a room's commands.
 *
 * Commands are planned one at a time, in arrival order, against the room's state — the
 * room keeps its own queue, because an awaited database call would otherwise let the next
 * command in. Commands that queued while a transaction was in flight are planned one after
 * another (each sees the effects of the ones before it) and committed together in one
 * transaction, each answered with its own result. If that shared transaction fails, its
 * effects on the state are taken back and the commands are retried one by one, so one bad
 * command never fails its neighbours. Tasks that need no state (the bench's ping, tests
 * that look inside the queue) run alone, in order with the commands.
 *
 * With versions (`versions`), groups overlap: the next group is planned (on top of the
 * effects of the one in flight) and sent while the one before it is still committing, up
 * to `maxInFlight` at once. Each group's transaction first checks that the database is at
 * the version the group was planned after and ends by setting its own, so a group commits
 * only after every group before it did: when one fails, every later one fails too, and all
 * are retried one by one after the failed one's effects are taken back. A failure whose
 * transaction did commit (its answer was lost) is told by the version the database
 * reached, and answered as committed, never planned twice (decision 16).
 */

/** What a planned command commits, and what it answers once committed. */
export interface Plan<S, T> {
  /** Statements for the shared transaction, in order. */
  statements: S[];
  /**
   * A statement that fails the transaction when an invariant is broken (a seat guard). A
   * group runs one guard, after every command's statements: what it checks (used ≤ limit)
   * holds at the end if it held after each command, as long as no command of the group
   * lowers the limit: one that does (an owner lowering the seat limit) makes the group's
   * guard fail, and the group is retried one command at a time, each with its own guard.
   */
  guard?: S;
  /** The command's answer, given once its statements committed. */
  value: T;
  /**
   * Set when the command must fail after committing its statements, e.g. an invitation
   * found past due is marked expired and the accept answers `invitation_expired`.
   */
  error?: Error;
  /** Side effects after the commit (events, mail); never awaited by the caller. */
  after?: () => void;
  /** The room's own bookkeeping (a mail outcome), not a command: `stats.commands` leaves it out. */
  bookkeeping?: boolean;
}

/** Plans a command against the current state; throws to refuse it (nothing committed). */
export type Planner<State, S, T> = (state: State) => Promise<Plan<S, T>> | Plan<S, T>;

/**
 * Thrown by a planner that must read the database (not only the state) while commands
 * planned before it are not committed yet ({@link GroupCommitter.readable} false): the
 * database would not show them. The command is planned again, first in a group of its own
 * making, once everything before it committed.
 */
export class NeedsCommitted extends Error {
  constructor() {
    super("This command reads the database: it waits for the commands before it to commit.");
  }
}

type PlanEntry<State, S> = {
  kind: "plan";
  planner: Planner<State, S, unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  /** It read the database too early once: it is planned only with nothing before it uncommitted. */
  barrier?: boolean;
};
type Entry<State, S> =
  | PlanEntry<State, S>
  | { kind: "task"; run: () => Promise<unknown> | unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void };

/** How the state's changes are taken back when their transaction fails, and let go when it commits. */
export interface Journal<State, M> {
  /** A position: everything the planners change after it can be taken back to it. */
  mark(state: State): M;
  rollback(state: State, mark: M): void;
  /** The changes up to `mark` are committed, at database version `version`. */
  committed(state: State, mark: M, version: number): void;
}

/** The database's count of the room's transactions, which fences overlapping groups. */
export interface Versions<State, S> {
  /** Whether a failed transaction failed on its opening fence only (the database was not at `expected`). */
  fenced(error: unknown): boolean;
  /** The version the freshly loaded state reflects. */
  of(state: State): number;
  /** The statements that open (the database must be at `expected`) and close (it is now `next`) a transaction. */
  fence(expected: number, next: number): { open: S; close: S };
  /** The version the database is at now (after a failure: did the transaction commit?). */
  read(): Promise<number>;
}

export interface GroupCommitOptions<State, S, M = unknown> {
  /** The room's state, loaded once and kept; `invalidate` makes the next call load it again. */
  state(): Promise<State>;
  invalidate(): void;
  /**
   * The database refused a transaction the state said would pass (a guard, a constraint):
   * the state disagrees with the database and is built again from it. Default: invalidate.
   */
  distrust?(): void;
  /** Whether a failed commit was the database refusing it (as opposed to an outage). */
  refused?(error: unknown): boolean;
  /** Commits the statements in one transaction, all or nothing. */
  commit(statements: S[]): Promise<void>;
  /** Takes back a failed group's changes; without it the state is loaded again instead. */
  journal?: Journal<State, M>;
  /** Fences each transaction by version: groups may overlap, lost answers are told apart. */
  versions?: Versions<State, S>;
  /** Most groups in flight at once (with `versions`; default 2). */
  maxInFlight?: number;
  /**
   * When a group planned while another commits is sent: `"after"` (the default) keeps it open,
   * taking every command that arrives, until the group ahead committed, then sends it (the
   * database sees one transaction at a time, as large as without overlap, and the planning
   * is done meanwhile); `"at-once"` sends it as soon as the queue is empty.
   */
  send?: "after" | "at-once";
  /** Turns a failed commit of one command into the error its caller gets (guards → codes). */
  explain?(error: unknown): unknown;
  /** The error a command gets when whether it committed cannot be told (the database is unreachable). */
  unknownOutcome?(error: unknown): unknown;
  /** Most statements in one transaction (a group is cut before it grows past this). */
  maxStatements?: number;
  /**
   * Turns the group's statements, command by command, into the transaction's statements
   * (e.g. one multi-row insert for many commands' rows). Default: all of them, in order.
   * If the combined transaction fails, each command is retried alone as usual.
   */
  combine?(perCommand: S[][]): S[];
  /**
   * Runs once after the effects (`after`) of a committed group, or of a command retried
   * alone, have all run: the place for work owed once per transaction, not per command.
   */
  settled?(): void;
}

export interface FlushStats {
  /** Transactions committed (a group with nothing to write commits none), and commands settled. */
  transactions: number;
  commands: number;
  /** Shared transactions that failed and were retried one by one. */
  retried: number;
  /** Transactions whose answer was lost but which the database's version shows committed. */
  recovered: number;
  /** Wall time spent waiting for commits, in ms (the clock moves across I/O only). */
  commitMs: number;
  /** Most groups ever in flight at once. */
  maxInFlight: number;
}

/** A planned command; `refused`: its planner threw, and `plan.error` is its answer once the group settles. */
type Planned<State, S> = { entry: PlanEntry<State, S>; plan: Plan<S, unknown>; refused?: boolean };
/** How a group's transaction ended; `unsent`: it was never sent, because the group ahead of it failed. */
type Outcome = { ok: true } | { ok: false; error: unknown; unsent?: boolean };

/** A planned group: its commands, the marks around their changes, and its transaction. */
interface Group<State, S, M> {
  planned: Array<Planned<State, S>>;
  state: State;
  start: M | undefined;
  end: M | undefined;
  /** The version its transaction sets (the previous one when it writes nothing). */
  version: number;
  writes: boolean;
  /** Its transaction's statements, fence included (sent again if it only overtook the group before it). */
  statements: S[];
  outcome: Promise<Outcome>;
}

export class GroupCommitter<State, S, M = unknown> {
  readonly #options: GroupCommitOptions<State, S, M>;
  readonly #queue: Array<Entry<State, S>> = [];
  readonly #inFlight: Array<Group<State, S, M>> = [];
  #draining = false;
  /** Whether the command being planned has nothing before it that is not committed. */
  #readable = false;
  /** Wakes a drain waiting on a group in flight when a command arrives that could be planned now. */
  #arrived: (() => void) | undefined;
  /** The state the versions below belong to (a reload starts them again from its own). */
  #versionsOf: State | undefined;
  /** The last version known committed, and the one the last planned group will set. */
  #durable = 0;
  #planned = 0;
  readonly stats: FlushStats = { transactions: 0, commands: 0, retried: 0, recovered: 0, commitMs: 0, maxInFlight: 0 };

  constructor(options: GroupCommitOptions<State, S, M>) {
    this.#options = options;
  }

  /** Commands waiting, not counting those in the transactions in flight. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Queues a groupable command. */
  submit<T>(planner: Planner<State, S, T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ kind: "plan", planner, resolve: resolve as (v: unknown) => void, reject });
      this.#arrived?.();
      this.#drain();
    });
  }

  /** Queues a task that needs no state (it runs alone, in order with the commands). */
  run<T>(task: () => Promise<T> | T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ kind: "task", run: task, resolve: resolve as (v: unknown) => void, reject });
      this.#drain();
    });
  }

  /**
   * Whether the database shows everything planned before the command being planned now
   * (nothing in flight, nothing before it in its group): only then may it read there.
   */
  get readable(): boolean {
    return this.#readable;
  }

  get #maxInFlight(): number {
    return this.#options.versions ? Math.max(1, this.#options.maxInFlight ?? 2) : 1;
  }

  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    void (async () => {
      try {
        while (this.#queue.length > 0 || this.#inFlight.length > 0) {
          const head = this.#queue[0];
          const held = head?.kind === "plan" && head.barrier === true && this.#inFlight.length > 0;
          if (head?.kind === "plan" && !held && this.#inFlight.length < this.#maxInFlight) {
            await this.#planGroup();
          } else if (head?.kind === "task" && this.#inFlight.length === 0) {
            this.#queue.shift();
            await this.#runAlone(head);
          } else {
            await this.#finishOldest();
          }
        }
      } finally {
        this.#draining = false;
      }
    })();
  }

  async #runAlone(entry: Entry<State, S> & { kind: "task" }): Promise<void> {
    try {
      entry.resolve(await entry.run());
    } catch (error) {
      entry.reject(error);
    }
  }

  /** The state, its versions started from it when it is freshly loaded. */
  async #state(): Promise<State> {
    const state = await this.#options.state();
    if (state !== this.#versionsOf) {
      this.#versionsOf = state;
      this.#durable = this.#planned = this.#options.versions?.of(state) ?? 0;
    }
    return state;
  }

  /** Plans the commands queued now into one group and sends its transaction. */
  async #planGroup(): Promise<void> {
    const max = this.#options.maxStatements ?? 2000;
    let state: State;
    try {
      state = await this.#state();
    } catch (error) {
      // Without state nothing can be planned: fail what is queued now, keep serving.
      const taskAt = this.#queue.findIndex((e) => e.kind !== "plan");
      for (const entry of this.#queue.splice(0, taskAt === -1 ? this.#queue.length : taskAt)) entry.reject(error);
      return;
    }
    const start = this.#options.journal?.mark(state);
    const planned: Array<Planned<State, S>> = [];
    let size = 0;
    const ahead = this.#options.send === "at-once" ? undefined : this.#inFlight.at(-1);
    let aheadDone = false;
    void ahead?.outcome.then(() => (aheadDone = true));
    // Plan one after another; commands arriving meanwhile join this group, and while a group
    // ahead still commits, this one stays open for them.
    for (;;) {
      await this.#planQueued(state, planned, max - size).then((added) => (size += added));
      const head = this.#queue[0];
      if (!ahead || aheadDone || size >= max || head?.kind === "task" || head?.barrier) break;
      const arrival = new Promise<"arrived">((resolve) => (this.#arrived = () => resolve("arrived")));
      const first = await Promise.race([ahead.outcome, arrival]);
      this.#arrived = undefined;
      if (first !== "arrived") break;
    }
    const end = this.#options.journal?.mark(state);
    if (planned.length === 0) return;
    const perCommand = planned.map((p) => p.plan.statements);
    const statements = this.#options.combine ? this.#options.combine(perCommand) : perCommand.flat();
    const guard = planned.findLast((p) => p.plan.guard !== undefined)?.plan.guard;
    if (guard !== undefined) statements.push(guard);
    const writes = statements.length > 0;
    const version = writes ? this.#planned + 1 : this.#planned;
    const sent = writes ? this.#fenced(statements, this.#planned, version) : [];
    let outcome: Promise<Outcome> = Promise.resolve({ ok: true });
    if (writes && ahead) {
      // Sent once the group ahead committed; never if it failed (its recovery replans this one).
      const aheadOutcome = await ahead.outcome;
      outcome = aheadOutcome.ok ? this.#send(sent) : Promise.resolve({ ok: false, error: aheadOutcome.error, unsent: true });
    } else if (writes) {
      outcome = this.#send(sent);
    }
    this.#planned = version;
    this.#inFlight.push({ planned, state, start, end, version, writes, statements: sent, outcome });
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.#inFlight.length);
  }

  /** Plans the commands at the head of the queue into `planned`, up to `room` statements; answers the statements added. */
  async #planQueued(state: State, planned: Array<Planned<State, S>>, room: number): Promise<number> {
    let size = 0;
    // Whether anything before the next command is uncommitted: a group in flight, or a command
    // of this group that was not refused (refusals change nothing).
    let behind = this.#inFlight.length > 0 || planned.some((p) => !p.refused);
    while (this.#queue[0]?.kind === "plan" && size < room) {
      const entry = this.#queue[0] as PlanEntry<State, S>;
      const first = !behind;
      if (entry.barrier && !first) break;
      this.#queue.shift();
      const before = this.#options.journal?.mark(state);
      this.#readable = first;
      try {
        const plan = await entry.planner(state);
        planned.push({ entry, plan });
        size += plan.statements.length;
        behind = true;
      } catch (error) {
        if (error instanceof NeedsCommitted && !first) {
          // Planned again once what is before it committed (and it changed nothing yet).
          if (before !== undefined) this.#options.journal?.rollback(state, before);
          entry.barrier = true;
          this.#queue.unshift(entry);
          break;
        }
        // A refusal changes nothing, even one thrown midway through planning. It is answered
        // when its group settles: should a group before it fail, the refusal may not hold
        // (it may have counted that group's seats), and it is planned again.
        if (before !== undefined) this.#options.journal?.rollback(state, before);
        planned.push({ entry, plan: { statements: [], value: undefined, error: error as Error }, refused: true });
      } finally {
        this.#readable = false;
      }
    }
    return size;
  }

  #fenced(statements: S[], expected: number, next: number): S[] {
    const fence = this.#options.versions?.fence(expected, next);
    return fence ? [fence.open, ...statements, fence.close] : statements;
  }

  #send(statements: S[]): Promise<Outcome> {
    const started = performance.now();
    return this.#options.commit(statements).then(
      () => ({ ok: true as const }),
      (error: unknown) => ({ ok: false as const, error }),
    ).finally(() => {
      this.stats.commitMs += performance.now() - started;
    });
  }

  /** Waits for the oldest group in flight: settles it, or recovers from its failure. */
  async #finishOldest(): Promise<void> {
    const group = this.#inFlight[0];
    if (!group) return;
    if (this.#queue.length === 0 && this.#inFlight.length < this.#maxInFlight) {
      // Room for another group: a command arriving meanwhile is planned at once.
      const arrival = new Promise<"arrived">((resolve) => (this.#arrived = () => resolve("arrived")));
      const first = await Promise.race([group.outcome, arrival]);
      this.#arrived = undefined;
      if (first === "arrived") return;
    }
    const outcome = await group.outcome;
    if (outcome.ok) {
      this.#inFlight.shift();
      this.#settleGroup(group);
      return;
    }
    await this.#recover();
  }

  #settleGroup(group: Group<State, S, M>): void {
    this.#durable = group.version;
    if (group.end !== undefined) this.#options.journal?.committed(group.state, group.end, group.version);
    if (group.writes) this.stats.transactions++;
    this.stats.commands += group.planned.filter((p) => !p.plan.bookkeeping && !p.refused).length;
    for (const { entry, plan } of group.planned) settle(entry, plan);
    this.#settled();
  }

  /**
   * The oldest group failed. Every group in flight ends first (those after it fail on the
   * fence, unless the failure was only a lost answer); the database's version then tells
   * which did commit. Those are settled; the others' changes are taken back, and their
   * commands retried one by one.
   */
  async #recover(): Promise<void> {
    const groups = this.#inFlight.splice(0);
    const outcomes = await Promise.all(groups.map((g) => g.outcome));
    const firstError = outcomes.find((o): o is { ok: false; error: unknown } => !o.ok)?.error;
    const versioned = this.#options.versions !== undefined;
    let reached = await this.#readVersion();
    let failedAt = 0;
    // The groups whose versions the database reached did commit (their answers were lost),
    // unless they failed on their fence or were never sent: those surely did not.
    while (versioned && reached !== undefined && failedAt < groups.length) {
      const group = groups[failedAt]!;
      const outcome = outcomes[failedAt]!;
      const surelyNot = !outcome.ok && (outcome.unsent === true || this.#fenceFailed(outcome.error));
      if (group.writes && (surelyNot || group.version > reached)) break;
      if (group.writes && !outcome.ok) this.stats.recovered++;
      this.#settleGroup(group);
      failedAt++;
    }
    // A group that reached the database before the one it follows failed on its fence, or
    // was held back for it: once that one committed, it is sent again as it is (nothing it
    // planned changed). A send that fails again is told by the version, like any other.
    while (versioned && reached !== undefined && failedAt < groups.length) {
      const group = groups[failedAt]!;
      const outcome = outcomes[failedAt]!;
      if (outcome.ok || !group.writes || reached !== group.version - 1 || !(outcome.unsent || this.#fenceFailed(outcome.error))) break;
      const again = await this.#send(group.statements);
      if (!again.ok) {
        if (this.#fenceFailed(again.error)) break;
        reached = await this.#readVersion();
        if (reached !== group.version) break;
        this.stats.recovered++;
      }
      this.#settleGroup(group);
      reached = group.version;
      failedAt++;
    }
    const rest = groups.slice(failedAt);
    if (rest.length === 0) return;
    const first = rest[0]!;
    if (first.start !== undefined) this.#options.journal?.rollback(first.state, first.start);
    else this.#options.invalidate();
    this.#planned = this.#durable;
    if (versioned && reached === undefined) {
      // Whether they committed cannot be told: nobody is answered as if they had or had
      // not; the state is read again (and its index rebuilt if the database moved on).
      this.#options.invalidate();
      const error = this.#options.unknownOutcome ? this.#options.unknownOutcome(firstError) : firstError;
      for (const group of rest) for (const { entry } of group.planned) entry.reject(error);
      return;
    }
    // The database moved past what this room committed (another writer): the state is built
    // again from it. (A group refused by a guard is no sign of that yet: a command in it may
    // have lowered the seat limit under the others. Each command retried alone tells.)
    if (!versioned || reached !== this.#durable) this.#distrust();
    this.stats.retried++;
    for (const group of rest) for (const { entry } of group.planned) await this.#retryAlone(entry);
  }

  async #readVersion(): Promise<number | undefined> {
    if (!this.#options.versions) return undefined;
    try {
      return await this.#options.versions.read();
    } catch {
      return undefined;
    }
  }

  /**
   * Plans and commits one command alone. If the database refuses what the state said would
   * pass (a guard, a unique index), or is not at the version the room thinks, the state is
   * built again from the database and the command planned once more against it.
   */
  async #retryAlone(entry: PlanEntry<State, S>, again = false): Promise<void> {
    try {
      const state = await this.#state();
      const start = this.#options.journal?.mark(state);
      let plan: Plan<S, unknown>;
      this.#readable = true;
      try {
        plan = await entry.planner(state);
      } catch (error) {
        if (start !== undefined) this.#options.journal?.rollback(state, start);
        throw error;
      } finally {
        this.#readable = false;
      }
      const end = this.#options.journal?.mark(state);
      const statements = plan.guard === undefined ? [...plan.statements] : [...plan.statements, plan.guard];
      const writes = statements.length > 0;
      const version = writes ? this.#durable + 1 : this.#durable;
      if (writes) {
        const outcome = await this.#send(this.#fenced(statements, this.#durable, version));
        if (!outcome.ok) {
          // A transaction that failed on its fence did not commit; any other may have.
          const fenced = this.#fenceFailed(outcome.error);
          const reached = fenced ? undefined : await this.#readVersion();
          if (reached === version) {
            this.stats.recovered++;
          } else {
            if (start !== undefined) this.#options.journal?.rollback(state, start);
            else this.#options.invalidate();
            if (this.#options.versions && !fenced && reached === undefined) {
              this.#options.invalidate();
              throw this.#options.unknownOutcome ? this.#options.unknownOutcome(outcome.error) : outcome.error;
            }
            const wrong = !this.#options.versions || fenced || reached !== this.#durable || this.#refused(outcome.error);
            // Once: a command refused again by an index just rebuilt is refused, and the index kept.
            if (wrong && !again) this.#distrust();
            if (wrong && this.#options.versions && !again) return await this.#retryAlone(entry, true);
            throw this.#options.explain ? this.#options.explain(outcome.error) : outcome.error;
          }
        }
      }
      this.#planned = version;
      this.#settleGroup({ planned: [{ entry, plan }], state, start, end, version, writes, statements, outcome: Promise.resolve({ ok: true }) });
    } catch (error) {
      entry.reject(error);
    }
  }

  #fenceFailed(error: unknown): boolean {
    return this.#options.versions?.fenced(error) ?? false;
  }

  #refused(error: unknown): boolean {
    return this.#options.refused ? this.#options.refused(error) : true;
  }

  #distrust(): void {
    if (this.#options.distrust) this.#options.distrust();
    else this.#options.invalidate();
  }

  #settled(): void {
    try {
      this.#options.settled?.();
    } catch (error) {
      console.error("[OrgRoom] after-group effect failed:", error);
    }
  }
}

function settle(entry: { resolve: (v: unknown) => void; reject: (e: unknown) => void }, plan: Plan<unknown, unknown>): void {
  if (plan.error) entry.reject(plan.error);
  else entry.resolve(plan.value);
  if (plan.after) {
    try {
      plan.after();
    } catch (error) {
      console.error("[OrgRoom] after-commit effect failed:", error);
    }
  }
}
