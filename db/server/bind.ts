import { StmtError } from "./errors.ts";
import type { ParamInfo } from "./sql.ts";
import type { Stmt } from "./protocol.ts";
import { toEngine, type EngineValue } from "./values.ts";

/**
 * Builds the positional argument array for a statement, following sqld's rules: `?` and `?NNN`
 * take positional arguments, `:a`/`@a`/`$a` take named ones (looked up with or without their
 * prefix). Unlike sqld, positional and named arguments may be mixed; then a named parameter
 * without a named argument falls back to the positional one at its index.
 */
export function bindArgs(params: ParamInfo, stmt: Pick<Stmt, "args" | "namedArgs">): EngineValue[] {
  const { args, namedArgs } = stmt;
  if (args.length > params.count || namedArgs.length > params.count) {
    const given = Math.max(args.length, namedArgs.length);
    throw new StmtError(
      `Arguments do not match SQL parameters: too many parameters, expected ${params.count} found ${given}`,
      "ARGS_INVALID",
    );
  }
  const named = new Map<string, EngineValue>();
  for (const a of namedArgs) named.set(a.name, toEngine(a.value));
  const mixed = args.length > 0 && namedArgs.length > 0;
  const out: EngineValue[] = [];
  for (let i = 1; i <= params.count; i++) {
    const name = params.names[i - 1] ?? null;
    let value: EngineValue | undefined;
    if (name === null || name[0] === "?") {
      const a = args[i - 1];
      value = a === undefined ? undefined : toEngine(a);
    } else {
      value = named.has(name) ? named.get(name) : named.get(name.slice(1));
      if (value === undefined && mixed && args[i - 1] !== undefined) value = toEngine(args[i - 1]!);
    }
    if (value === undefined) {
      throw new StmtError(
        `Arguments do not match SQL parameters: value for parameter ${name ?? i} not found`,
        "ARGS_INVALID",
      );
    }
    out.push(value);
  }
  return out;
}
