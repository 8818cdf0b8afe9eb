import type { InValue } from "@libsql/client/web";
import { getTableColumns, getTableName, type InferInsertModel } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";

/**
 * A statement the room commits as it is: SQL text and its arguments, no query builder
 * between. Hot paths (an invitation writes four rows) build these instead of drizzle
 * queries, whose generic SQL building cost more per invitation than everything else the
 * room does for it.
 */
export interface RawStatement {
  readonly raw: true;
  readonly sql: string;
  readonly args: InValue[];
}

export function rawStatement(sql: string, args: InValue[]): RawStatement {
  return { raw: true, sql, args };
}

export function isRawStatement(statement: unknown): statement is RawStatement {
  return typeof statement === "object" && statement !== null && (statement as { raw?: unknown }).raw === true;
}

/** A value a row can carry through JSON unchanged in meaning: SQLite's `->>` gives it back. */
export type RowValue = string | number | null;

/**
 * A statement over rows passed as ONE argument, a JSON array of arrays: its SQL reads them
 * with `json_each(?)` (`value ->> 0` is a row's first value, as TEXT, INTEGER, REAL or
 * NULL). The SQL text is the same for one row or a thousand, so like statements of several
 * commands merge into one ({@link combineInserts}), and the database prepares it once; the
 * driver encodes one string instead of an object per value.
 */
export class RowsStatement implements RawStatement {
  readonly raw = true;
  readonly sql: string;
  readonly rows: readonly (readonly RowValue[])[];

  constructor(sql: string, rows: readonly (readonly RowValue[])[]) {
    this.sql = sql;
    this.rows = rows;
  }

  get args(): InValue[] {
    return [JSON.stringify(this.rows)];
  }
}

/** `value ->> 0, value ->> 1, …`: the first `n` values of a `json_each` row. */
function rowValues(n: number, alias = "value"): string {
  return Array.from({ length: n }, (_, i) => `${alias} ->> ${i}`).join(", ");
}

/**
 * Names for the positions of a `json_each` row, so hand-written SQL and the rows it reads
 * agree by name, not by index: `shape.value("email")` is `value ->> 3`, `shape.values()`
 * lists them all (or those named), and `shape.row({...})` lays a row out in that order.
 */
export function rowShape<const K extends string>(names: readonly K[], alias = "value") {
  const value = (name: K): string => `${alias} ->> ${names.indexOf(name)}`;
  return {
    value,
    values: (...picked: K[]): string => (picked.length > 0 ? picked : names).map(value).join(", "),
    row: (row: Record<K, RowValue>): RowValue[] => names.map((name) => row[name]),
  };
}

interface TablePlan {
  name: string;
  columns: Array<[key: string, column: SQLiteColumn]>;
  /** INSERT text by which columns a row sets (a "1"/"0" string over `columns`). */
  sqlBySet: Map<string, string>;
}

const plans = new WeakMap<SQLiteTable, TablePlan>();

function planOf(table: SQLiteTable): TablePlan {
  let plan = plans.get(table);
  if (!plan) {
    const columns = Object.entries(getTableColumns(table) as Record<string, SQLiteColumn>).filter(
      // Generated columns take no value (the method is drizzle's, untyped in its declarations).
      ([, column]) => !(column as unknown as { shouldDisableInsert(): boolean }).shouldDisableInsert(),
    );
    plan = { name: getTableName(table), columns, sqlBySet: new Map() };
    plans.set(table, plan);
  }
  return plan;
}

const quote = (identifier: string): string => `"${identifier.replaceAll('"', '""')}"`;

/**
 * The INSERT of one row into `table`, typed and encoded by the table's drizzle schema (the
 * same values drizzle would send: JSON columns stringified, timestamps as numbers), its
 * SQL text built once per table and set of columns. A column the row leaves undefined
 * takes its `$defaultFn` (as with drizzle) or else the database's own default, which the
 * migrations generate from the same schema.
 */
export function rowInsert<T extends SQLiteTable>(table: T, row: InferInsertModel<T>): RowsStatement {
  const plan = planOf(table);
  const input = row as Record<string, unknown>;
  const values: RowValue[] = [];
  let set = "";
  for (const [key, column] of plan.columns) {
    let value = input[key];
    if (value === undefined) value = column.defaultFn?.() ?? column.onUpdateFn?.();
    if (value === undefined) {
      set += "0";
      continue;
    }
    if (typeof value === "object" && value !== null && "queryChunks" in value) {
      throw new TypeError(`rowInsert: ${plan.name}.${key} is an SQL expression; use drizzle for that insert.`);
    }
    set += "1";
    const driverValue: unknown = value === null ? null : column.mapToDriverValue(value);
    if (driverValue !== null && typeof driverValue !== "string" && !(typeof driverValue === "number" && Number.isFinite(driverValue))) {
      throw new TypeError(`rowInsert: ${plan.name}.${key} is sent as ${typeof driverValue}, which JSON cannot carry; use drizzle for that insert.`);
    }
    // JSON keeps a lone surrogate as `\ud800`, which SQLite would store as ill-formed UTF-8
    // where the driver binding stores U+FFFD: make the text well-formed the same way.
    values.push(typeof driverValue === "string" && !driverValue.isWellFormed() ? driverValue.toWellFormed() : driverValue);
  }
  let sql = plan.sqlBySet.get(set);
  if (sql === undefined) {
    const names = plan.columns.filter((_, i) => set[i] === "1").map(([, column]) => quote(column.name));
    sql = `insert into ${quote(plan.name)} (${names.join(", ")}) select ${rowValues(names.length)} from json_each(?)`;
    plan.sqlBySet.set(set, sql);
  }
  return new RowsStatement(sql, [values]);
}

/** {@link rowInsert} of many rows: one statement per set of columns the rows set (usually one). */
export function rowsInsert<T extends SQLiteTable>(table: T, rows: Array<InferInsertModel<T>>): RowsStatement[] {
  const bySql = new Map<string, Array<readonly RowValue[]>>();
  for (const row of rows) {
    const one = rowInsert(table, row);
    const same = bySql.get(one.sql);
    if (same) same.push(...one.rows);
    else bySql.set(one.sql, [...one.rows]);
  }
  return [...bySql].map(([sql, values]) => new RowsStatement(sql, values));
}

const isInsert = (statement: RawStatement): boolean => /^insert\s/i.test(statement.sql);

/**
 * The statements of a group of commands, with the rows of like commands inserted together:
 * consecutive commands that only insert, with the same statements (a run of invitations:
 * the invitation, its audit event, its mail, its notification), become one statement per
 * {@link RowsStatement} of theirs holding every command's rows (at most `maxRows` commands
 * per run), the rest kept in command order. Rows of different commands never depend on
 * each other's, so their order between commands does not matter; and were that ever wrong,
 * the transaction would fail and the room retries each command alone. Anything else is
 * passed through in order.
 */
export function combineInserts<S>(perCommand: S[][], maxRows = 500): Array<S | RawStatement> {
  const out: Array<S | RawStatement> = [];
  const shapeOf = (statements: S[]): string | null =>
    statements.length > 0 && statements.every((s) => isRawStatement(s) && isInsert(s)) ? (statements as RawStatement[]).map((s) => s.sql).join("\n") : null;
  let i = 0;
  while (i < perCommand.length) {
    const shape = shapeOf(perCommand[i]!);
    let end = i + 1;
    if (shape !== null) while (end < perCommand.length && end - i < maxRows && shapeOf(perCommand[end]!) === shape) end++;
    if (end - i === 1) {
      out.push(...perCommand[i]!);
    } else {
      const run = perCommand.slice(i, end) as RawStatement[][];
      for (let k = 0; k < run[0]!.length; k++) {
        const first = run[0]![k]!;
        if (first instanceof RowsStatement) out.push(new RowsStatement(first.sql, run.flatMap((command) => (command[k] as RowsStatement).rows)));
        else for (const command of run) out.push(command[k]!);
      }
    }
    i = end;
  }
  return out;
}
