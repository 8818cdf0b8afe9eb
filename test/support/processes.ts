/**
 * Processes on this machine as Linux's /proc shows them: for tests and benchmarks that start
 * servers (workerd under Miniflare, `npm run dev`) and must find, measure or stop them.
 */
import { readdirSync, readFileSync } from "node:fs";

export interface ProcessEntry {
  pid: number;
  /** The command name (`comm`), e.g. `workerd`, `node`. */
  name: string;
}

/** The processes whose parent is `pid`. */
export function childrenOf(pid: number): ProcessEntry[] {
  const found: ProcessEntry[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) found.push({ pid: Number(entry), name });
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/** Every process below `pid`, children before their own children. */
export function descendantsOf(pid: number): ProcessEntry[] {
  const children = childrenOf(pid);
  return [...children, ...children.flatMap((child) => descendantsOf(child.pid))];
}
