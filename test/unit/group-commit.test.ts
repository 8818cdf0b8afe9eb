import { describe, expect, it } from "vitest";
import { GroupCommitter, type Plan } from "../../worker/org/group-commit.ts";

interface State {
  seats: number;
  loads: number;
}

/** A transaction the fake database has begun: it ends (commits or fails) when the test says. */
interface Begun {
  statements: string[];
  end(): void;
}

/**
 * A committer over a fake database that records each transaction and can be made to fail.
 * With `held`, every transaction waits until the test ends it (`begun(i).end()`), so which
 * commands queue during a transaction, and so form the next group, is the test's doing,
 * never a timer's; `flow()` ends those waiting and holds no more.
 */
function harness(options: { seats: number; failWhen?: (statements: string[]) => boolean; held?: boolean; settled?: () => void }) {
  const transactions: string[][] = [];
  const begun: Begun[] = [];
  const watchers: Array<() => void> = [];
  let holding = options.held ?? false;
  let loads = 0;
  let state: State | null = null;
  const committer = new GroupCommitter<State, string>({
    state: async () => (state ??= { seats: options.seats, loads: ++loads }),
    invalidate: () => {
      state = null;
    },
    commit: async (statements) => {
      const ended = Promise.withResolvers<void>();
      begun.push({ statements: [...statements], end: () => ended.resolve() });
      for (const watch of watchers.splice(0)) watch();
      if (holding) await ended.promise;
      if (options.failWhen?.(statements)) throw new Error("constraint failed");
      transactions.push(statements);
    },
    ...(options.settled ? { settled: options.settled } : {}),
  });
  /** The `index`-th transaction (from 0), once the committer has begun it. */
  const begunAt = (index: number): Promise<Begun> =>
    new Promise((resolve) => {
      const look = () => {
        const transaction = begun[index];
        if (transaction) resolve(transaction);
        else watchers.push(look);
      };
      look();
    });
  /** Ends every waiting transaction and lets the next ones through. */
  const flow = () => {
    holding = false;
    for (const transaction of begun) transaction.end();
  };
  /** Takes a seat: refused when none is left (planning sees earlier commands' effects). */
  const take = (name: string) =>
    committer.submit((s): Plan<string, string> => {
      if (s.seats <= 0) throw new Error(`${name}: seats_exhausted`);
      s.seats--;
      return { statements: [`insert ${name}`], value: `${name} ok` };
    });
  return { committer, transactions, take, begun: begunAt, flow, loads: () => loads };
}

describe("group commit", () => {
  it("commits commands that queue during a transaction together, answering each on its own", async () => {
    const h = harness({ seats: 100, held: true });
    const first = h.take("a");
    const alone = await h.begun(0); // "a" is in flight now
    expect(alone.statements).toEqual(["insert a"]);
    const rest = ["b", "c", "d", "e"].map((n) => h.take(n));
    alone.end();
    const group = await h.begun(1);
    expect(group.statements).toEqual(["insert b", "insert c", "insert d", "insert e"]);
    // Queued while the group is in flight: the next group, not this one.
    const late = h.take("f");
    group.end();
    (await h.begun(2)).end();
    await expect(Promise.all([first, ...rest, late])).resolves.toEqual(["a ok", "b ok", "c ok", "d ok", "e ok", "f ok"]);
    expect(h.transactions).toEqual([["insert a"], ["insert b", "insert c", "insert d", "insert e"], ["insert f"]]);
    expect(h.committer.stats).toMatchObject({ transactions: 3, commands: 6, retried: 0 });
  });

  it("keeps arrival order and never plans past the state: no overrun under 200 concurrent commands", async () => {
    const h = harness({ seats: 7 });
    const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => h.take(`c${i}`)));
    const ok = results.filter((r) => r.status === "fulfilled");
    expect(ok).toHaveLength(7);
    expect(h.transactions.flat()).toEqual(Array.from({ length: 7 }, (_, i) => `insert c${i}`));
  });

  it("retries one by one when the shared transaction fails, so one bad command fails alone", async () => {
    const h = harness({ seats: 100, held: true, failWhen: (st) => st.includes("insert bad") });
    const first = h.take("a");
    const alone = await h.begun(0);
    const group = [h.take("b"), h.take("bad"), h.take("c")];
    alone.end();
    expect((await h.begun(1)).statements).toEqual(["insert b", "insert bad", "insert c"]);
    h.flow();
    const settled = await Promise.allSettled([first, ...group]);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect(h.transactions).toEqual([["insert a"], ["insert b"], ["insert c"]]);
    expect(h.committer.stats.retried).toBe(1);
    expect(h.loads()).toBeGreaterThan(1); // state reloaded after the failed group
  });

  it("runs one guard per shared transaction, after every command's statements, and each alone on retry", async () => {
    const h = harness({ seats: 100, held: true, failWhen: (st) => st.includes("insert bad") });
    const guarded = (name: string) => h.committer.submit(() => ({ statements: [`insert ${name}`], guard: `guard after ${name}`, value: name }));
    const first = guarded("a");
    const alone = await h.begun(0);
    const rest = [guarded("b"), guarded("c"), guarded("bad")];
    alone.end();
    expect((await h.begun(1)).statements).toEqual(["insert b", "insert c", "insert bad", "guard after bad"]);
    h.flow();
    await Promise.allSettled([first, ...rest]);
    expect(h.transactions).toEqual([
      ["insert a", "guard after a"],
      // The group of b, c and bad failed whole; each was retried alone with its own guard.
      ["insert b", "guard after b"],
      ["insert c", "guard after c"],
    ]);
    const ok = harness({ seats: 100, held: true });
    const okGuarded = (name: string) => ok.committer.submit(() => ({ statements: [`insert ${name}`], guard: `guard after ${name}`, value: name }));
    const head = okGuarded("a");
    const okAlone = await ok.begun(0);
    const okRest = [okGuarded("b"), okGuarded("c")];
    okAlone.end();
    (await ok.begun(1)).end();
    await Promise.all([head, ...okRest]);
    expect(ok.transactions).toEqual([["insert a", "guard after a"], ["insert b", "insert c", "guard after c"]]);
  });

  it("settles once per committed transaction, after every effect of its commands, and once per command retried alone", async () => {
    const log: string[] = [];
    const h = harness({ seats: 100, held: true, failWhen: (st) => st.includes("insert bad"), settled: () => log.push("settled") });
    const effect = (name: string) => h.committer.submit(() => ({ statements: [`insert ${name}`], value: name, after: () => log.push(`after ${name}`) }));
    const first = effect("a");
    const alone = await h.begun(0);
    const rest = [effect("b"), effect("c")];
    alone.end();
    const group = await h.begun(1);
    expect(group.statements).toEqual(["insert b", "insert c"]);
    expect(log).toEqual(["after a", "settled"]);
    group.end();
    await Promise.all([first, ...rest]);
    expect(log).toEqual(["after a", "settled", "after b", "after c", "settled"]);

    // A failed shared transaction: no settle for it; each command retried alone settles alone.
    log.length = 0;
    const head = effect("d");
    const headAlone = await h.begun(2);
    const more = [effect("e"), effect("bad"), effect("f")];
    headAlone.end();
    expect((await h.begun(3)).statements).toEqual(["insert e", "insert bad", "insert f"]);
    h.flow();
    await Promise.allSettled([head, ...more]);
    expect(log).toEqual(["after d", "settled", "after e", "settled", "after f", "settled"]);
  });

  it("runs plain tasks one at a time in order, and a failed one never stalls the queue", async () => {
    const h = harness({ seats: 1 });
    const order: string[] = [];
    const started = Promise.withResolvers<void>();
    const release = Promise.withResolvers<void>();
    const slow = h.committer.run(async () => {
      order.push("slow start");
      started.resolve();
      await release.promise;
      order.push("slow end");
    });
    const failing = h.committer.run(() => Promise.reject(new Error("nope")));
    const fast = h.committer.run(() => {
      order.push("fast");
      return 42;
    });
    await started.promise;
    // The slow task is running: nothing after it starts, however long it takes.
    for (let turn = 0; turn < 20; turn++) await Promise.resolve();
    expect(order).toEqual(["slow start"]);
    expect(h.committer.waiting).toBe(2);
    release.resolve();
    await slow;
    await expect(failing).rejects.toThrow("nope");
    await expect(fast).resolves.toBe(42);
    expect(order).toEqual(["slow start", "slow end", "fast"]);
  });

  it("runs tasks alone, in order with the grouped commands", async () => {
    const h = harness({ seats: 100 });
    const order: string[] = [];
    const a = h.take("a").then((v) => order.push(v));
    const x = h.committer.run(async () => {
      order.push("task");
      return "x";
    });
    const b = h.take("b").then((v) => order.push(v));
    await Promise.all([a, x, b]);
    expect(order).toEqual(["a ok", "task", "b ok"]);
  });

  it("commits a command's statements and still answers its error when the plan says so", async () => {
    const h = harness({ seats: 1 });
    const answer = h.committer.submit(() => ({ statements: ["mark expired"], value: null, error: new Error("invitation_expired") }));
    await expect(answer).rejects.toThrow("invitation_expired");
    expect(h.transactions).toEqual([["mark expired"]]);
  });
});
