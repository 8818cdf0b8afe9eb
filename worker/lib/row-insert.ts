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
export function rowInsert<T extends SQLiteTable>(table: T, row: InferInsertModel<T>): RawStatement {
  const plan = planOf(table);
  const values = row as Record<string, unknown>;
  const args: InValue[] = [];
  let set = "";
  for (const [key, column] of plan.columns) {
    let value = values[key];
    if (value === undefined) value = column.defaultFn?.() ?? column.onUpdateFn?.();
    if (value === undefined) {
      set += "0";
      continue;
    }
    if (typeof value === "object" && value !== null && "queryChunks" in value) {
      throw new TypeError(`rowInsert: ${plan.name}.${key} is an SQL expression; use drizzle for that insert.`);
    }
    set += "1";
    args.push(value === null ? null : (column.mapToDriverValue(value) as InValue));
  }
  let sql = plan.sqlBySet.get(set);
  if (sql === undefined) {
    const names = plan.columns.filter((_, i) => set[i] === "1").map(([, column]) => quote(column.name));
    sql = `insert into ${quote(plan.name)} (${names.join(", ")}) values (${names.map(() => "?").join(", ")})`;
    plan.sqlBySet.set(set, sql);
  }
  return { raw: true, sql, args };
}

const singleRowValues = /^insert into [^;]* values \((?:\?, )*\?\)$/;
const isInsert = (statement: RawStatement): boolean => /^insert\s/i.test(statement.sql);

/**
 * The statements of a group of commands, with the rows of like commands inserted together:
 * consecutive commands that only insert, with the same statements (a run of invitations:
 * the invitation, its audit event, its mail, its notification), become one multi-row
 * INSERT per single-row statement of theirs (at most `maxRows` rows each), the rest kept
 * in command order. Rows of different commands never depend on each other's, so their
 * order between commands does not matter; and were that ever wrong, the transaction would
 * fail and the room retries each command alone. Anything else is passed through in order.
 */
export function combineInserts<S>(perCommand: S[][], maxRows = 200): Array<S | RawStatement> {
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
        if (!singleRowValues.test(first.sql)) {
          for (const command of run) out.push(command[k]!);
          continue;
        }
        const row = first.sql.slice(first.sql.lastIndexOf(" values ") + 8);
        out.push({ raw: true, sql: `${first.sql}${`, ${row}`.repeat(run.length - 1)}`, args: run.flatMap((command) => command[k]!.args) });
      }
    }
    i = end;
  }
  return out;
}
