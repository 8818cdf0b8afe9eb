/**
 * Which compiled programs provably finish quickly, so that they may run on the main thread
 * without the deadline (see execute.ts): a strict whitelist, read from the EXPLAIN rows that
 * conn.ts fetches once per prepared statement. Anything not understood here is "not straight"
 * and runs off-thread with the interrupt, as every statement did before; a wrong "straight"
 * would let an endless statement block the server until its supervisor kills it.
 *
 * A program is straight when every opcode is listed below (each does a bounded amount of work:
 * a constant, a B-tree seek or write, or work linear in the size of the values it reads), every
 * jump goes forward (so each instruction runs at most once), and every function it calls is
 * listed below (linear in its input, and no larger result than its input: no chain of calls can
 * blow a value up). EXPLAIN lists the main program, then the sub-program of every trigger it can
 * fire (each again from address 0, where `Init` stands); triggers are straight sub-programs too,
 * called only with the engine's recursion check, and the instructions all of them can run
 * together are bounded (see {@link MAX_STEPS}).
 */

/** A verdict on a compiled program: straight, or why not (for tests and diagnostics). */
export interface Verdict {
  straight: boolean;
  reason: string | undefined;
}

/** One row of EXPLAIN in raw mode: addr, opcode, p1, p2, p3, p4, p5, comment. */
type ExplainRow = [unknown, unknown, unknown, unknown, unknown, unknown, unknown?, unknown?];

/**
 * Opcodes that never jump, each checked in the engine's source (SQLite 3.45, vdbe.c) to do a
 * bounded amount of work: constants and register moves, arithmetic, comparisons' helpers,
 * record building, cursors opened and closed, single-row B-tree reads and writes (no scan: the
 * cursor moves only where a seek puts it), the bookkeeping of constraints, foreign keys and
 * triggers, and no-ops. Not here on purpose: Concat (doubles a value, and a chain of them can
 * grow one to the engine's length limit), Count (counts a whole table), Clear/Destroy (a whole
 * table), SeekScan (a bounded walk, but not needed), the sorter, aggregate, RowSet, virtual
 * table, subroutine and coroutine opcodes, schema and transaction control.
 */
const NO_JUMP: ReadonlySet<string> = new Set([
  // constants, registers, parameters
  "Integer", "Int64", "Real", "String8", "String", "Null", "SoftNull", "Blob", "Variable",
  "Move", "Copy", "SCopy", "IntCopy", "Param",
  // arithmetic, logic and conversions of single values
  "Add", "Subtract", "Multiply", "Divide", "Remainder", "BitAnd", "BitOr", "ShiftLeft", "ShiftRight",
  "AddImm", "RealAffinity", "Cast", "And", "Or", "IsTrue", "Not", "BitNot", "ZeroOrNull",
  "CollSeq", "Affinity", "TypeCheck", "MakeRecord", "ClrSubtype",
  // results and ends
  "ResultRow", "Halt", "HaltIfNull",
  // cursors and single-row B-tree access
  "Transaction", "TableLock", "OpenRead", "OpenWrite", "ReopenIdx", "OpenEphemeral", "Close",
  "ColumnsUsed", "Column", "Rowid", "RowData", "NullRow", "Offset", "Sequence", "NewRowid",
  "Insert", "Delete", "IdxInsert", "IdxDelete", "DeferredSeek", "IdxRowid", "FinishSeek",
  "SeekHit", "ResetCount", "FilterAdd",
  // constraints, foreign keys, AUTOINCREMENT, LIMIT/OFFSET arithmetic
  "FkCounter", "FkCheck", "MemMax", "OffsetLimit",
  // no-ops (some exist only in debugging builds)
  "Noop", "Explain", "Abortable", "ReleaseReg", "CursorHint",
  // calls: only of the functions listed in FUNCTIONS (checked below)
  "Function", "PureFunc",
]);

/** Opcodes whose only jump is to P2 (taken or not, never through a register). */
const JUMP_P2: ReadonlySet<string> = new Set([
  "Goto", "Once", "If", "IfNot", "IsNull", "NotNull", "IsType", "IfNullRow",
  "Eq", "Ne", "Lt", "Le", "Gt", "Ge", "ElseEq",
  "SeekLT", "SeekLE", "SeekGE", "SeekGT", "SeekRowid", "NotExists", "Found", "NotFound",
  "NoConflict", "IfNoHope", "IfNotOpen", "Filter",
  "IdxLE", "IdxGT", "IdxLT", "IdxGE",
  // Rewind/Last only position a cursor (jumping when it is empty); the loops need Next/Prev.
  "Rewind", "Last",
  "FkIfZero", "IfPos", "IfNotZero", "DecrJumpZero",
  // MustBeInt jumps only when P2 is not 0 (else it fails); Program runs a trigger (see below).
  "MustBeInt", "Program",
]);

/**
 * Functions a straight program may call, by the name EXPLAIN shows (`name(argc)`), with the
 * argument counts allowed (undefined: any). Each is linear in its arguments and returns a value
 * no larger than its largest argument (or a small constant). Not here: like/glob (matching
 * backtracks: `'aaaa…' GLOB '*a*a*a*a*b'` is exponential), instr and the two-argument trims
 * (length × length), replace, printf/format, concat, hex/quote (grow a value), zeroblob/
 * randomblob (make one as large as asked), the JSON, date and vector functions, and anything
 * else: an unknown name is not straight.
 */
const FUNCTIONS: ReadonlyMap<string, readonly number[] | undefined> = new Map<string, readonly number[] | undefined>([
  ["abs", undefined], ["typeof", undefined], ["length", undefined], ["octet_length", undefined],
  ["lower", undefined], ["upper", undefined], ["nullif", undefined], ["unicode", undefined],
  ["sign", undefined], ["round", undefined], ["min", undefined], ["max", undefined],
  ["coalesce", undefined], ["ifnull", undefined],
  ["trim", [1]], ["ltrim", [1]], ["rtrim", [1]],
  ["substr", [2, 3]], ["substring", [2, 3]],
  ["changes", [0]], ["total_changes", [0]], ["last_insert_rowid", [0]],
]);

/**
 * The most instructions the main program and the triggers it fires may run together, counted
 * as a bound (each instruction of a straight program runs at most once per call of it). A
 * typical Roster INSERT with its trigger is ~150; the cap only keeps chains of triggers that
 * each fire several others (exponential in their number) off the main thread.
 */
export const MAX_STEPS = 4_000;

/** Trace, as EXPLAIN lists it in a trigger, never jumps when P1 is this (see vdbe.c). */
const TRACE_NO_JUMP = 0x7fffffff;

const FUNCTION_P4 = /^([^()]+)\((-?\d+)\)$/;

const no = (reason: string): Verdict => ({ straight: false, reason });

/**
 * Classifies the EXPLAIN rows of one statement (raw mode, integers as numbers).
 * `extraFunctions` adds function names for one caller's own wrapper (see execute.ts).
 */
export function classifyProgram(rows: readonly unknown[], extraFunctions: ReadonlySet<string> = new Set()): Verdict {
  const programs: ExplainRow[][] = [];
  for (const raw of rows) {
    if (!Array.isArray(raw) || raw.length < 7) return no("an EXPLAIN row of an unknown shape");
    const row = raw as ExplainRow;
    if (row[0] === 0) programs.push([]);
    const program = programs.at(-1);
    if (program === undefined || row[0] !== program.length) return no("EXPLAIN rows out of order");
    program.push(row);
  }
  if (programs.length === 0) return no("no program");
  const calls: number[] = [];
  for (const [i, program] of programs.entries()) {
    const one = checkOne(program, extraFunctions);
    if (typeof one === "string") return no(i === 0 ? one : `${one} (in a trigger)`);
    calls.push(one);
  }
  // Bound the instructions run. A trigger runs only if no frame of the same trigger is on the
  // stack (every Program has P5 set, checked above), so a chain of frames has at most one per
  // sub-program: `deepest` is the most a sub-program costs with `d` frames left below it.
  const subs = programs.length - 1;
  if (subs === 0 && calls[0]! > 0) return no("a trigger call without its program");
  let deepest = 0;
  for (let d = 1; d <= subs; d++) {
    let worst = 0;
    for (let i = 1; i <= subs; i++) worst = Math.max(worst, programs[i]!.length + calls[i]! * deepest);
    deepest = Math.min(worst, MAX_STEPS + 1);
  }
  const steps = programs[0]!.length + calls[0]! * deepest;
  if (steps > MAX_STEPS) return no(`up to ${steps} instructions with its triggers`);
  return { straight: true, reason: undefined };
}

/** Checks one program; returns how many trigger calls it makes, or why it is not straight. */
function checkOne(program: ExplainRow[], extraFunctions: ReadonlySet<string>): number | string {
  const n = program.length;
  const init = program[0]!;
  if (init[1] !== "Init") return "a program that does not start with Init";
  const body = init[3];
  if (!isInt(body) || body <= 0 || body >= n) return "an Init without a forward target";
  let calls = 0;
  /** Addresses of jump targets, by the address that jumps (for the prologue's check). */
  const jumps: [number, number][] = [];
  let backGoto = -1;
  for (let addr = 1; addr < n; addr++) {
    const [, opcode, p1, p2, , p4, p5] = program[addr]!;
    if (typeof opcode !== "string") return "an opcode that is not a name";
    if (opcode === "Trace") {
      if (p1 !== TRACE_NO_JUMP) return "a Trace that may jump";
      continue;
    }
    if (opcode === "Function" || opcode === "PureFunc") {
      const m = typeof p4 === "string" ? FUNCTION_P4.exec(p4) : null;
      if (m === null) return "a call of an unknown function";
      const name = m[1]!.toLowerCase();
      const argc = Number(m[2]);
      const allowed = FUNCTIONS.get(name);
      const listed = FUNCTIONS.has(name) && (allowed === undefined || allowed.includes(argc));
      if (!listed && !extraFunctions.has(name)) return `a call of ${name}()`;
      continue;
    }
    if (NO_JUMP.has(opcode)) continue;
    if (!JUMP_P2.has(opcode)) return `the ${opcode} opcode`;
    if (opcode === "MustBeInt" && p2 === 0) continue;
    if (opcode === "Program") {
      // P5 set: the engine skips the call if the same trigger is already running (recursive
      // triggers are off, and a client cannot turn them on: see policy.ts). Foreign key actions
      // (ON DELETE CASCADE…) are called without that check; they are refused here.
      if (p5 === 0 || p5 === undefined || p5 === null) return "a trigger call that may recurse";
      calls++;
    }
    if (!isInt(p2) || p2 >= n) return `a ${opcode} to an address outside the program`;
    if (p2 > addr) {
      jumps.push([addr, p2]);
      continue;
    }
    // The one jump back allowed: the prologue (transaction, constants) that Init jumps to ends
    // with `Goto 0 1`, back to the body, once.
    if (opcode === "Goto" && p1 === 0 && p2 === 1 && addr === n - 1 && addr >= body && backGoto === -1) {
      backGoto = addr;
      continue;
    }
    return `a jump back (${opcode} at ${addr})`;
  }
  if (backGoto !== -1) {
    // The body [1, body) must never reach the prologue again: it ends with a Halt (no falling
    // through) and none of its jumps lands at or past the prologue.
    if (program[body - 1]![1] !== "Halt") return "a body that does not end with Halt before its prologue";
    for (const [from, to] of jumps) if (from < body && to >= body) return "a jump from the body into the prologue";
  }
  return calls;
}

/**
 * The schema cookie the statement was compiled against: P3 of the main program's `Transaction`
 * on the main database (whose first step compares it with the file's, and compiles the statement
 * again if they differ). Undefined when the program opens no transaction there (it then depends
 * on no table of it); null when it cannot be told.
 */
export function compiledSchemaCookie(rows: readonly unknown[]): number | null | undefined {
  let cookie: number | undefined;
  for (const [i, raw] of rows.entries()) {
    if (!Array.isArray(raw)) return null;
    if (i > 0 && raw[0] === 0) break;
    if (raw[1] !== "Transaction" || raw[2] !== 0) continue;
    if (!isInt(raw[4]) || (cookie !== undefined && cookie !== raw[4])) return null;
    cookie = raw[4];
  }
  return cookie;
}

function isInt(x: unknown): x is number {
  return typeof x === "number" && Number.isInteger(x);
}
