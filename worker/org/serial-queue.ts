/**
 * Runs async tasks one at a time, in the order they were enqueued.
 *
 * A Durable Object's input gate stops other events only while it awaits its own storage;
 * an awaited `fetch` to libSQL lets the next request in. Seat accounting needs every
 * command of an organization to see the effects of the one before it, so the room keeps
 * this queue and never relies on the platform to serialize across awaits.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;

  /** Commands enqueued and not yet settled, including the one running. */
  get pending(): number {
    return this.#pending;
  }

  /** Enqueues `task`; it starts after every task enqueued before it has settled. */
  run<T>(task: () => Promise<T> | T): Promise<T> {
    this.#pending++;
    const result = this.#tail.then(task).finally(() => {
      this.#pending--;
    });
    // A failed task must not stall the queue: the next task waits for settlement only.
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
