/**
 * A bulk invitation's rows from pasted lines or a CSV file (`email,role`; a username works
 * as well as an address), checked as the API will check them, so that one bad row is
 * reported on its line instead of refusing the whole call. Pure: test/unit/bulk-input.test.ts.
 */
import { canGrant, roles, type Role } from "../../../worker/domain/roles.ts";
import { usernameLimits, usernameShape } from "../../../worker/domain/slugs.ts";

/** One row to invite, and the line of the input it came from (from 1). */
export interface InviteRow {
  line: number;
  invitee: string;
  role: Role;
}

/** A line that will not be sent, and why. */
export interface RowProblem {
  line: number;
  text: string;
  message: string;
}

export interface ParsedRows {
  rows: InviteRow[];
  problems: RowProblem[];
}

/** The most lines one bulk invitation in the dashboard takes (each chunk of 1,000 is one call). */
export const maxInputRows = 10_000;

/** The address pattern the API's schema (zod's `z.email()`) accepts. */
const emailShape = /^(?:[A-Za-z0-9_'+\-]+\.)*[A-Za-z0-9_'+\-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$/;

/** What is wrong with an invitee (an address, or a username), or null. */
export function inviteeProblem(invitee: string): string | null {
  if (invitee.includes("@")) return invitee.length <= 254 && emailShape.test(invitee) ? null : "Not an email address.";
  const ok = invitee.length >= usernameLimits.min && invitee.length <= usernameLimits.max && usernameShape.test(invitee);
  return ok ? null : "Not a username (or an email address).";
}

/** The cells of one CSV line: commas, semicolons or tabs; double quotes around a cell are dropped. */
export function splitCells(line: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell.trim() === "") {
      quoted = true;
      cell = "";
    } else if (ch === "," || ch === ";" || ch === "\t") {
      cells.push(cell.trim());
      cell = "";
    } else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

const headerWords = new Set(["email", "e-mail", "invitee", "username", "user", "address", "email address"]);

/**
 * Rows from `text`: one invitee per line, optionally followed by a role (owner, admin, member,
 * restricted; any case). Blank lines and lines starting with `#` are skipped, and so is a
 * header line (`email,role`). Without a role a row takes `defaultRole`. A role above
 * `viewerRole`, a malformed invitee or one listed twice is a problem on its line.
 */
export function parseInviteRows(text: string, defaultRole: Role, viewerRole: Role): ParsedRows {
  const rows: InviteRow[] = [];
  const problems: RowProblem[] = [];
  const seen = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const text = raw.trim();
    if (text === "" || text.startsWith("#")) return;
    const [first = "", second = "", ...rest] = splitCells(text);
    if (rows.length === 0 && problems.length === 0 && headerWords.has(first.toLowerCase())) return;
    const problem = (message: string) => problems.push({ line, text, message });
    if (rows.length + problems.length >= maxInputRows) return problem(`Only ${maxInputRows.toLocaleString("en")} rows are taken at once.`);
    const invitee = first.includes("@") ? first.toLowerCase() : first;
    if (invitee === "") return problem("No invitee on this line.");
    if (rest.some((cell) => cell !== "")) return problem("Expected an invitee and a role, nothing more.");
    const inviteeIssue = inviteeProblem(invitee);
    if (inviteeIssue) return problem(inviteeIssue);
    const named = second.toLowerCase();
    if (named !== "" && !(roles as readonly string[]).includes(named)) return problem(`Unknown role "${second}": use ${roles.join(", ")}.`);
    const role = (named || defaultRole) as Role;
    if (!canGrant(viewerRole, role)) return problem(`You cannot invite with the role ${role}, above your own.`);
    const key = invitee.toLowerCase();
    const earlier = seen.get(key);
    if (earlier !== undefined) return problem(`Listed already on line ${earlier}.`);
    seen.set(key, line);
    rows.push({ line, invitee, role });
  });
  return { rows, problems };
}

/** `items` in consecutive chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
