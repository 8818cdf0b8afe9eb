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

/**
 * A committer with versions and a journal over a fake versioned database: each transaction
 * opens with `fence <expected>` and closes with `bump <next>`, and fails whole when the
 * database is not at `expected` (as the room's SQL fence does). Transactions are held until
 * the test ends them, in any order; `lose` makes one commit and then report a failure.
 */
function versionedHarness(options: { seats: number; refuse?: (statements: string[]) => boolean; send?: "after" | "at-once" }) {
  interface Db {
    version: number;
    rows: string[];
  }
  const db: Db = { version: 0, rows: [] };
  type Held = { statements: string[]; end(mode?: "commit" | "lose" | "outage"): void };
  const begun: Held[] = [];
  const watchers: Array<() => void> = [];
  let planned = 0;
  let readFails = false;
  /** Once set, every transaction from then on ends (commits) as soon as it begins. */
  let flowing = false;
  const state = { seats: options.seats, taken: [] as string[] };
  const committer = new GroupCommitter<typeof state, string, { seats: number; taken: number }>({
    state: async () => state,
    invalidate: () => {},
    commit: async (statements) => {
      const ended = Promise.withResolvers<"commit" | "lose" | "outage">();
      begun.push({ statements: [...statements], end: (mode = "commit") => ended.resolve(mode) });
      if (flowing) ended.resolve("commit");
      for (const watch of watchers.splice(0)) watch();
      const mode = await ended.promise;
      if (mode === "outage") throw new Error("fetch failed");
      const expected = Number(statements[0]!.split(" ")[1]);
      if (db.version !== expected) throw new Error(`fence ${expected} failed at ${db.version}`);
      if (options.refuse?.(statements)) throw new Error("guard failed");
      db.version = Number(statements.at(-1)!.split(" ")[1]);
      db.rows.push(...statements.slice(1, -1));
      if (mode === "lose") throw new Error("connection reset");
    },
    journal: {
      mark: (s) => ({ seats: s.seats, taken: s.taken.length }),
      rollback: (s, mark) => {
        s.seats = mark.seats;
        s.taken.length = mark.taken;
      },
      committed: () => {},
    },
    versions: {
      of: () => 0,
      fenced: (error) => String(error).includes("fence"),
      fence: (expected, next) => ({ open: `fence ${expected}`, close: `bump ${next}` }),
      read: async () => {
        if (readFails) throw new Error("fetch failed");
        return db.version;
      },
    },
    unknownOutcome: () => new Error("outcome unknown"),
    refused: (error) => String(error).includes("guard"),
    send: options.send ?? "after",
  });
  const take = (name: string) =>
    committer.submit((s): Plan<string, string> => {
      planned++;
      if (s.seats <= 0) throw new Error(`${name}: seats_exhausted`);
      s.seats--;
      s.taken.push(name);
      return { statements: [`insert ${name}`], value: `${name} ok` };
    });
  const begunAt = (index: number): Promise<Held> =>
    new Promise((resolve) => {
      const look = () => (begun[index] ? resolve(begun[index]) : watchers.push(look));
      look();
    });
  const flow = () => {
    flowing = true;
    for (const held of begun) held.end();
  };
  return { committer, db, state, take, begun: begunAt, planned: () => planned, failReads: () => (readFails = true), flow, sent: () => begun.map((held) => held.statements) };
}

describe("overlapping group commit", () => {
  it("plans the next group while one commits, keeps it open for every command that arrives, and sends it once that one committed", async () => {
    const h = versionedHarness({ seats: 100 });
    const a = h.take("a");
    const first = await h.begun(0);
    const b = h.take("b");
    for (let turn = 0; turn < 20; turn++) await Promise.resolve();
    expect(h.planned()).toBe(2); // b is planned already, on top of a
    const c = h.take("c");
    for (let turn = 0; turn < 20; turn++) await Promise.resolve();
    expect(h.planned()).toBe(3);
    first.end();
    const second = await h.begun(1);
    expect(second.statements).toEqual(["fence 1", "insert b", "insert c", "bump 2"]);
    second.end();
    await expect(Promise.all([a, b, c])).resolves.toEqual(["a ok", "b ok", "c ok"]);
    expect(h.db).toEqual({ version: 2, rows: ["insert a", "insert b", "insert c"] });
    expect(h.committer.stats).toMatchObject({ transactions: 2, maxInFlight: 2, retried: 0 });
  });

  it("never sends a group planned on top of one that failed: its commands are planned again, one by one", async () => {
    const h = versionedHarness({ seats: 2, refuse: (st) => st.includes("insert bad") });
    const bad = h.take("bad");
    const first = await h.begun(0);
    const later = [h.take("x"), h.take("y")];
    const answers = Promise.allSettled([bad, ...later]);
    for (let turn = 0; turn < 20; turn++) await Promise.resolve();
    first.end(); // refused: x and y's group is never sent
    h.flow(); // every retry commits as it comes (bad is refused by the database each time)
    expect((await answers).map((r) => r.status)).toEqual(["rejected", "fulfilled", "fulfilled"]);
    expect(h.db.rows).toEqual(["insert x", "insert y"]);
    // The group planned on top of bad (x and y after version 1) never went out.
    expect(h.sent().some((statements) => statements.includes("insert x") && statements.includes("insert y"))).toBe(false);
    expect(h.state).toMatchObject({ seats: 0, taken: ["x", "y"] });
  });

  it("sends the next group at once when asked to, each fenced by the version before it", async () => {
    const h = versionedHarness({ seats: 100, send: "at-once" });
    const a = h.take("a");
    const first = await h.begun(0);
    const rest = [h.take("b"), h.take("c")];
    // The second group is planned and sent before the first commits.
    const second = await h.begun(1);
    expect(first.statements).toEqual(["fence 0", "insert a", "bump 1"]);
    expect(second.statements).toEqual(["fence 1", "insert b", "insert c", "bump 2"]);
    first.end();
    second.end();
    await expect(Promise.all([a, ...rest])).resolves.toEqual(["a ok", "b ok", "c ok"]);
    expect(h.db).toEqual({ version: 2, rows: ["insert a", "insert b", "insert c"] });
    expect(h.committer.stats).toMatchObject({ transactions: 2, maxInFlight: 2, retried: 0 });
  });

  it("never lets a later group commit when the first of two in flight fails: both are retried one by one, and what the failure refused stays refused", async () => {
    // Two seats. "bad" is refused by the database; the group after it was planned as if
    // "bad" had taken a seat, so it must not commit as planned.
    const h = versionedHarness({ seats: 2, refuse: (st) => st.includes("insert bad"), send: "at-once" });
    const bad = h.take("bad");
    const first = await h.begun(0);
    const later = [h.take("x"), h.take("y")];
    const answers = Promise.allSettled([bad, ...later]);
    const second = await h.begun(1);
    // Planned on top of bad: x took the last seat, y was refused (for now).
    expect(second.statements).toEqual(["fence 1", "insert x", "bump 2"]);
    second.end(); // reaches the database first: its fence fails (the database is at 0)
    first.end(); // refused
    // Retried alone, in order: bad is refused again; x and y each take a seat — y's first
    // refusal counted a seat that bad never took, so it was not answered.
    h.flow();
    const settled = await answers;
    expect(settled.map((s) => s.status)).toEqual(["rejected", "fulfilled", "fulfilled"]);
    expect(h.db.rows).toEqual(["insert x", "insert y"]);
    expect(h.state).toMatchObject({ seats: 0, taken: ["x", "y"] });
    expect(h.committer.stats.retried).toBe(1);
  });

  it("answers a refusal once the groups before it settled, in order", async () => {
    const h = versionedHarness({ seats: 1, send: "at-once" });
    const a = h.take("a");
    const first = await h.begun(0);
    let refusedYet = false;
    const b = h.take("b").catch((error: Error) => {
      refusedYet = true;
      throw error;
    });
    for (let turn = 0; turn < 20; turn++) await Promise.resolve();
    expect(refusedYet).toBe(false);
    first.end();
    await expect(a).resolves.toBe("a ok");
    await expect(b).rejects.toThrow("b: seats_exhausted");
  });

  it("answers a group whose commit answer was lost as committed, planned once (the database's version tells)", async () => {
    const h = versionedHarness({ seats: 10 });
    const a = h.take("a");
    (await h.begun(0)).end("lose");
    await expect(a).resolves.toBe("a ok");
    expect(h.planned()).toBe(1);
    expect(h.db).toEqual({ version: 1, rows: ["insert a"] });
    expect(h.committer.stats).toMatchObject({ recovered: 1, retried: 0 });
    // And the next command is fenced after it.
    const b = h.take("b");
    const next = await h.begun(1);
    expect(next.statements[0]).toBe("fence 1");
    next.end();
    await expect(b).resolves.toBe("b ok");
  });

  it("sends again, unchanged, a group that overtook the one before it", async () => {
    const h = versionedHarness({ seats: 10, send: "at-once" });
    const a = h.take("a");
    const first = await h.begun(0);
    const b = h.take("b");
    const second = await h.begun(1);
    second.end(); // fails on its fence: a has not committed yet
    first.end();
    (await h.begun(2)).end(); // b's transaction again, as it was
    await expect(Promise.all([a, b])).resolves.toEqual(["a ok", "b ok"]);
    expect(h.planned()).toBe(2);
    expect(h.db).toEqual({ version: 2, rows: ["insert a", "insert b"] });
    expect(h.committer.stats.retried).toBe(0);
  });

  it("answers 'outcome unknown' when neither the commit nor the version can be read, and takes back the changes", async () => {
    const h = versionedHarness({ seats: 10 });
    const a = h.take("a");
    const first = await h.begun(0);
    h.failReads();
    first.end("outage");
    await expect(a).rejects.toThrow("outcome unknown");
    expect(h.state).toMatchObject({ seats: 10, taken: [] });
    expect(h.db.rows).toEqual([]);
  });
});
