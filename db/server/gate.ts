/**
 * One request at a time runs SQL, in arrival order, as when the engine was called synchronously:
 * a statement's first step now runs off the main thread (so that it can be interrupted), and
 * without this gate other requests would interleave between the steps of a batch and make
 * transactions fail where they did not (a deferred transaction that read, then writes after
 * another commit, fails with SQLITE_BUSY_SNAPSHOT). The gate is let go while a statement waits
 * out another connection's lock, so the transaction holding it can go on and finish.
 */
export class Gate {
  #held = false;
  readonly #waiting: (() => void)[] = [];

  /** Resolves once this caller holds the gate. */
  enter(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Hands the gate to the next waiter, or opens it. */
  leave(): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#held = false;
    else next();
  }

  /** Runs `f` holding the gate. */
  async run<T>(f: () => Promise<T>): Promise<T> {
    await this.enter();
    try {
      return await f();
    } finally {
      this.leave();
    }
  }
}

/** The gate of this process's engine. */
export const engineGate = new Gate();
