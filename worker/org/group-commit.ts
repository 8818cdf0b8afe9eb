/**
 * Group commit for a room's commands.
 *
 * Commands run one at a time, in arrival order, against the room's in-memory state — the
 * room keeps its own queue, because an awaited database call would otherwise let the next
 * command in. Commands that queued while a transaction was in flight are planned one after
 * another (each sees the effects of the ones before it) and committed together in one
 * transaction, each answered with its own result. If that shared transaction fails, the
 * state is reloaded and the commands are retried one by one, so one bad command never
 * fails its neighbours. Tasks that need no state (the bench's ping, tests that look
 * inside the queue) run alone, in order with the commands.
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

type Entry<State, S> =
  | { kind: "plan"; planner: Planner<State, S, unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void }
  | { kind: "task"; run: () => Promise<unknown> | unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void };

export interface GroupCommitOptions<State, S> {
  /** The room's state, loaded once and kept; `invalidate` makes the next call reload it. */
  state(): Promise<State>;
  invalidate(): void;
  /** Commits the statements in one transaction, all or nothing. */
  commit(statements: S[]): Promise<void>;
  /** Turns a failed commit of one command into the error its caller gets (guards → codes). */
  explain?(error: unknown): unknown;
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
  /** Wall time spent waiting for commits, in ms (the clock moves across I/O only). */
  commitMs: number;
}

export class GroupCommitter<State, S> {
  readonly #options: GroupCommitOptions<State, S>;
  readonly #queue: Array<Entry<State, S>> = [];
  #draining = false;
  readonly stats: FlushStats = { transactions: 0, commands: 0, retried: 0, commitMs: 0 };

  constructor(options: GroupCommitOptions<State, S>) {
    this.#options = options;
  }

  /** Commands waiting, not counting those in the transaction in flight. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Queues a groupable command. */
  submit<T>(planner: Planner<State, S, T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ kind: "plan", planner, resolve: resolve as (v: unknown) => void, reject });
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

  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    void (async () => {
      try {
        while (this.#queue.length > 0) {
          const head = this.#queue[0];
          if (head?.kind === "task") {
            this.#queue.shift();
            await this.#runAlone(head);
          } else {
            await this.#flushGroup();
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

  async #flushGroup(): Promise<void> {
    const max = this.#options.maxStatements ?? 2000;
    let state: State;
    try {
      state = await this.#options.state();
    } catch (error) {
      // Without state nothing can be planned: fail what is queued now, keep serving.
      const taskAt = this.#queue.findIndex((e) => e.kind !== "plan");
      for (const entry of this.#queue.splice(0, taskAt === -1 ? this.#queue.length : taskAt)) entry.reject(error);
      return;
    }
    const planned: Array<{ entry: Entry<State, S>; plan: Plan<S, unknown> }> = [];
    let size = 0;
    // Plan one after another; commands arriving meanwhile join this group.
    while (this.#queue[0]?.kind === "plan" && size < max) {
      const entry = this.#queue.shift() as Entry<State, S> & { kind: "plan" };
      try {
        const plan = await entry.planner(state);
        planned.push({ entry, plan });
        size += plan.statements.length;
      } catch (error) {
        entry.reject(error);
      }
    }
    if (planned.length === 0) return;
    try {
      const perCommand = planned.map((p) => p.plan.statements);
      const statements = this.#options.combine ? this.#options.combine(perCommand) : perCommand.flat();
      const guard = planned.findLast((p) => p.plan.guard !== undefined)?.plan.guard;
      if (guard !== undefined) statements.push(guard);
      if (statements.length > 0) {
        await this.#timedCommit(statements);
        this.stats.transactions++;
      }
      this.stats.commands += planned.filter((p) => !p.plan.bookkeeping).length;
      for (const { entry, plan } of planned) settle(entry, plan);
      this.#settled();
    } catch {
      // The shared transaction rolled back whole: the planned effects on the state are
      // void. Reload and give each command its own transaction.
      this.stats.retried++;
      this.#options.invalidate();
      for (const { entry } of planned) await this.#retryAlone(entry as Entry<State, S> & { kind: "plan" });
    }
  }

  async #retryAlone(entry: Entry<State, S> & { kind: "plan" }): Promise<void> {
    try {
      const plan = await entry.planner(await this.#options.state());
      const statements = plan.guard === undefined ? plan.statements : [...plan.statements, plan.guard];
      try {
        if (statements.length > 0) await this.#timedCommit(statements);
      } catch (error) {
        this.#options.invalidate();
        throw this.#options.explain ? this.#options.explain(error) : error;
      }
      if (statements.length > 0) this.stats.transactions++;
      if (!plan.bookkeeping) this.stats.commands++;
      settle(entry, plan);
      this.#settled();
    } catch (error) {
      entry.reject(error);
    }
  }

  async #timedCommit(statements: S[]): Promise<void> {
    const started = performance.now();
    try {
      await this.#options.commit(statements);
    } finally {
      this.stats.commitMs += performance.now() - started;
    }
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
