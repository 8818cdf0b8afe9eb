import { describe, expect, it } from "vitest";
import { GroupCommitter, type Plan } from "../../worker/org/group-commit.ts";

interface State {
  seats: number;
  loads: number;
}

/** A committer over a fake database that records each transaction and can be made to fail. */
function harness(options: { seats: number; failWhen?: (statements: string[]) => boolean; commitMs?: number; settled?: () => void }) {
  const transactions: string[][] = [];
  let loads = 0;
  let state: State | null = null;
  const committer = new GroupCommitter<State, string>({
    state: async () => (state ??= { seats: options.seats, loads: ++loads }),
    invalidate: () => {
      state = null;
    },
    commit: async (statements) => {
      await new Promise((r) => setTimeout(r, options.commitMs ?? 5));
      if (options.failWhen?.(statements)) throw new Error("constraint failed");
      transactions.push(statements);
    },
    ...(options.settled ? { settled: options.settled } : {}),
  });
  /** Takes a seat: refused when none is left (planning sees earlier commands' effects). */
  const take = (name: string) =>
    committer.submit((s): Plan<string, string> => {
      if (s.seats <= 0) throw new Error(`${name}: seats_exhausted`);
      s.seats--;
      return { statements: [`insert ${name}`], value: `${name} ok` };
    });
  return { committer, transactions, take, loads: () => loads };
}

describe("group commit", () => {
  it("commits commands that queue during a transaction together, answering each on its own", async () => {
    const h = harness({ seats: 100, commitMs: 20 });
    const first = h.take("a");
    await new Promise((r) => setTimeout(r, 5)); // "a" is in flight now
    const rest = ["b", "c", "d", "e"].map((n) => h.take(n));
    await expect(Promise.all([first, ...rest])).resolves.toEqual(["a ok", "b ok", "c ok", "d ok", "e ok"]);
    expect(h.transactions).toEqual([["insert a"], ["insert b", "insert c", "insert d", "insert e"]]);
    expect(h.committer.stats).toMatchObject({ transactions: 2, commands: 5, retried: 0 });
  });

  it("keeps arrival order and never plans past the state: no overrun under 200 concurrent commands", async () => {
    const h = harness({ seats: 7 });
    const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => h.take(`c${i}`)));
    const ok = results.filter((r) => r.status === "fulfilled");
    expect(ok).toHaveLength(7);
    expect(h.transactions.flat()).toEqual(Array.from({ length: 7 }, (_, i) => `insert c${i}`));
  });

  it("retries one by one when the shared transaction fails, so one bad command fails alone", async () => {
    const h = harness({ seats: 100, commitMs: 10, failWhen: (st) => st.includes("insert bad") });
    const first = h.take("a");
    await new Promise((r) => setTimeout(r, 2));
    const group = [h.take("b"), h.take("bad"), h.take("c")];
    const settled = await Promise.allSettled([first, ...group]);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect(h.transactions).toEqual([["insert a"], ["insert b"], ["insert c"]]);
    expect(h.committer.stats.retried).toBe(1);
    expect(h.loads()).toBeGreaterThan(1); // state reloaded after the failed group
  });

  it("runs one guard per shared transaction, after every command's statements, and each alone on retry", async () => {
    const h = harness({ seats: 100, commitMs: 10, failWhen: (st) => st.includes("insert bad") });
    const guarded = (name: string) => h.committer.submit(() => ({ statements: [`insert ${name}`], guard: `guard after ${name}`, value: name }));
    const first = guarded("a");
    await new Promise((r) => setTimeout(r, 2));
    await Promise.allSettled([first, guarded("b"), guarded("c"), guarded("bad")]);
    expect(h.transactions).toEqual([
      ["insert a", "guard after a"],
      // The group of b, c and bad failed whole; each was retried alone with its own guard.
      ["insert b", "guard after b"],
      ["insert c", "guard after c"],
    ]);
    const ok = harness({ seats: 100, commitMs: 10 });
    const okGuarded = (name: string) => ok.committer.submit(() => ({ statements: [`insert ${name}`], guard: `guard after ${name}`, value: name }));
    const head = okGuarded("a");
    await new Promise((r) => setTimeout(r, 2));
    await Promise.all([head, okGuarded("b"), okGuarded("c")]);
    expect(ok.transactions).toEqual([["insert a", "guard after a"], ["insert b", "insert c", "guard after c"]]);
  });

  it("settles once per committed transaction, after every effect of its commands, and once per command retried alone", async () => {
    const log: string[] = [];
    const h = harness({ seats: 100, commitMs: 10, failWhen: (st) => st.includes("insert bad"), settled: () => log.push("settled") });
    const effect = (name: string) => h.committer.submit(() => ({ statements: [`insert ${name}`], value: name, after: () => log.push(`after ${name}`) }));
    const first = effect("a");
    await new Promise((r) => setTimeout(r, 2));
    await Promise.all([first, effect("b"), effect("c")]);
    expect(log).toEqual(["after a", "settled", "after b", "after c", "settled"]);

    // A failed shared transaction: no settle for it; each command retried alone settles alone.
    log.length = 0;
    const head = effect("d");
    await new Promise((r) => setTimeout(r, 2));
    await Promise.allSettled([head, effect("e"), effect("bad"), effect("f")]);
    expect(log).toEqual(["after d", "settled", "after e", "settled", "after f", "settled"]);
  });

  it("runs plain tasks one at a time in order, and a failed one never stalls the queue", async () => {
    const h = harness({ seats: 1 });
    const order: string[] = [];
    const slow = h.committer.run(async () => {
      order.push("slow start");
      await new Promise((r) => setTimeout(r, 20));
      order.push("slow end");
    });
    const failing = h.committer.run(() => Promise.reject(new Error("nope")));
    const fast = h.committer.run(() => {
      order.push("fast");
      return 42;
    });
    await slow;
    await expect(failing).rejects.toThrow("nope");
    await expect(fast).resolves.toBe(42);
    expect(order).toEqual(["slow start", "slow end", "fast"]);
  });

  it("runs exclusive commands alone, in order with the grouped ones", async () => {
    const h = harness({ seats: 100, commitMs: 5 });
    const order: string[] = [];
    const a = h.take("a").then((v) => order.push(v));
    const x = h.committer.exclusive(async () => {
      order.push("exclusive");
      return "x";
    });
    const b = h.take("b").then((v) => order.push(v));
    await Promise.all([a, x, b]);
    expect(order).toEqual(["a ok", "exclusive", "b ok"]);
  });

  it("commits a command's statements and still answers its error when the plan says so", async () => {
    const h = harness({ seats: 1 });
    const answer = h.committer.submit(() => ({ statements: ["mark expired"], value: null, error: new Error("invitation_expired") }));
    await expect(answer).rejects.toThrow("invitation_expired");
    expect(h.transactions).toEqual([["mark expired"]]);
  });
});
