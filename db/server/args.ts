/** Reads `--name value` / `--name=value` options from argv; unknown options are an error. */
export function readArgs(argv: string[], known: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (m === null || !known.includes(m[1]!)) throw new Error(`unknown argument: ${arg} (known: ${known.map((k) => `--${k}`).join(", ")})`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`missing value for --${m[1]}`);
    out.set(m[1]!, value);
  }
  return out;
}

/** Parses a non-negative integer option, or returns `fallback` when absent. */
export function intArg(args: Map<string, string>, name: string, fallback: number): number;
export function intArg(args: Map<string, string>, name: string, fallback?: number): number | undefined;
export function intArg(args: Map<string, string>, name: string, fallback?: number): number | undefined {
  const raw = args.get(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${raw}`);
  return n;
}
