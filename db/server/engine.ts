import type Database from "libsql";
import AsyncDatabase from "libsql/promise";
import { offThreadBegan, offThreadEnded } from "./watchdog.ts";

type Db = InstanceType<typeof Database>;
/** A statement prepared by the synchronous binding. */
export type SyncStatement = ReturnType<Db["prepare"]>;

interface AsyncStatement {
  iterate(args: unknown[]): Promise<IterableIterator<unknown>>;
}

// The binding's promise flavour runs a statement's first step (all of a write, all of a
// materialized query) on its own thread pool, leaving this thread free to interrupt it.
// Its Statement class is not exported: take it from a statement, once.
const probe = new AsyncDatabase(":memory:", {});
const AsyncStatementClass = (await probe.prepare("SELECT 1")).constructor as new (native: unknown) => AsyncStatement;
probe.close();

/**
 * Runs `stmt` and resolves once its first step is done, off this thread; the rows are then read
 * synchronously from the returned iterator. While the promise is pending nothing else may use the
 * statement's connection except `db.interrupt()`, which makes the step fail with SQLITE_INTERRUPT.
 */
export function startStatement(stmt: SyncStatement, args: unknown[]): Promise<IterableIterator<unknown>> {
  const native = (stmt as unknown as { stmt: unknown }).stmt;
  // Counted for the watchdog (watchdog.ts), which ends the process when a step outlives its
  // interrupt: the engine checks for one only between its instructions.
  offThreadBegan();
  try {
    return new AsyncStatementClass(native).iterate(args).finally(offThreadEnded);
  } catch (e) {
    offThreadEnded();
    throw e;
  }
}
