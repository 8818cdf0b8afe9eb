import type { Cond } from "./protocol.ts";

/** Outcome of each batch step so far: true = ran and succeeded; false = failed; null = skipped. */
export type StepOutcomes = (boolean | null)[];

/**
 * Evaluates a batch condition. `ok`/`error` refer to earlier steps only (checked when parsing).
 * A skipped step is neither ok nor error, as the spec says (sqld treats it as an error). Nesting is
 * bounded when parsing, so the recursion is too.
 */
export function evalCond(cond: Cond, outcomes: StepOutcomes, isAutocommit: boolean): boolean {
  switch (cond.type) {
    case "ok":
      return outcomes[cond.step] === true;
    case "error":
      return outcomes[cond.step] === false;
    case "not":
      return !evalCond(cond.cond, outcomes, isAutocommit);
    case "and":
      return cond.conds.every((c) => evalCond(c, outcomes, isAutocommit));
    case "or":
      return cond.conds.some((c) => evalCond(c, outcomes, isAutocommit));
    case "is_autocommit":
      return isAutocommit;
  }
}
