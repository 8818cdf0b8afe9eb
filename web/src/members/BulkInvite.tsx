import { createMemo, createSignal, createUniqueId, For, Show, type JSX } from "solid-js";
import type { Role } from "../../../worker/domain/roles.ts";
import type { SeatsView } from "../../../worker/views/index.ts";
import { CopyButton } from "../components/CopyButton.tsx";
import { roleLabel } from "../model.ts";
import { useOrg } from "../stores/org-session.ts";
import { toast, toastError } from "../toast.ts";
import { inviteInChunks, type RowOutcome } from "./bulk-invite.ts";
import { parseInviteRows, type RowProblem } from "./bulk-input.ts";
import type { InviteSettings } from "./InviteDialog.tsx";
import { plural } from "./MemberDialogs.tsx";

/** One line of the results: invited (with its link), or why not. */
type ResultRow = { line: number; invitee: string; ok: boolean; text: string; url?: string };

/** Problems listed under the box before sending (the rest are counted). */
const shownProblems = 20;

/**
 * Many invitations at once: lines pasted or read from a CSV file (`email,role`), checked as
 * they are typed, then sent 1,000 rows a call with a progress bar, and answered row by row
 * (invited, or why not; lines refused before sending included).
 */
export function BulkInvite(props: {
  settings: InviteSettings;
  seats: SeatsView;
  viewerRole: Role;
  busy: boolean;
  setBusy: (busy: boolean) => void;
  close: () => void;
  children: JSX.Element;
}) {
  const org = useOrg();
  const id = createUniqueId();
  const [text, setText] = createSignal("");
  const [defaultRole, setDefaultRole] = createSignal<Role>("member");
  const [progress, setProgress] = createSignal<{ done: number; total: number }>();
  const [results, setResults] = createSignal<ResultRow[]>();
  const [fileError, setFileError] = createSignal<string>();
  const parsed = createMemo(() => parseInviteRows(text(), defaultRole(), props.viewerRole));

  const readFile = async (file: File | undefined) => {
    setFileError(undefined);
    if (!file) return;
    if (file.size > 2_000_000) return setFileError("That file is over 2 MB; split it.");
    try {
      setText(await file.text());
    } catch {
      setFileError("Could not read that file.");
    }
  };

  const send = async (event: SubmitEvent) => {
    event.preventDefault();
    const { rows, problems } = parsed();
    if (rows.length === 0) return;
    props.setBusy(true);
    try {
      const outcomes = await inviteInChunks(
        org.slug,
        rows,
        { message: props.settings.message.trim() || null, expiresInDays: props.settings.days, mail: props.settings.mail },
        (done, total) => setProgress({ done, total }),
      );
      const table = merge(outcomes, problems);
      const made = outcomes.filter((o) => o.ok).length;
      setResults(table);
      toast(`Invited ${made.toLocaleString("en")} ${made === 1 ? "person" : "people"}; ${(table.length - made).toLocaleString("en")} not invited.`);
    } catch (failure) {
      toastError(failure);
    } finally {
      props.setBusy(false);
    }
  };

  const links = () => (results() ?? []).filter((r) => r.url).map((r) => `${r.invitee},${r.url}`).join("\n");

  return (
    <Show
      when={results()}
      fallback={
        <form class="form" onSubmit={(e) => void send(e)}>
          <div class="field">
            <label for={`${id}-lines`}>Invitees, one per line</label>
            <textarea
              id={`${id}-lines`}
              rows={6}
              spellcheck={false}
              placeholder={"ada@example.com,admin\ngrace@example.com\nlinus-t,member"}
              value={text()}
              aria-describedby={`${id}-lines-hint ${id}-summary`}
              onInput={(e) => setText(e.currentTarget.value)}
              disabled={props.busy}
            />
            <p id={`${id}-lines-hint`} class="hint">
              An email address or username, then optionally a comma and a role. A header line (<code>email,role</code>) is skipped.
            </p>
          </div>
          <div class="field">
            <label for={`${id}-file`}>Or read a CSV file</label>
            <input id={`${id}-file`} type="file" accept=".csv,.txt,text/csv,text/plain" disabled={props.busy} onChange={(e) => void readFile(e.currentTarget.files?.[0])} />
            <Show when={fileError()}>
              <p class="field-error">{fileError()}</p>
            </Show>
          </div>
          <div class="field">
            <label for={`${id}-role`}>Role for lines without one</label>
            <select id={`${id}-role`} value={defaultRole()} disabled={props.busy} onChange={(e) => setDefaultRole(e.currentTarget.value as Role)}>
              <For each={props.settings.roles}>{(r) => <option value={r}>{roleLabel[r]}</option>}</For>
            </select>
          </div>
          {props.children}

          <div id={`${id}-summary`} class="bulk-summary" aria-live="polite">
            <Show when={parsed().rows.length + parsed().problems.length > 0}>
              <p>
                <strong>{plural(parsed().rows.length, "row")}</strong> to invite
                <Show when={parsed().problems.length > 0}>, {plural(parsed().problems.length, "line")} with problems (not sent)</Show>.
              </p>
              <Show when={parsed().rows.length > props.seats.available}>
                <p class="banner warn">
                  Only {plural(props.seats.available, "seat")} left: the first {props.seats.available.toLocaleString("en")} rows get them, and the rest are refused.
                </p>
              </Show>
              <ProblemList problems={parsed().problems} />
            </Show>
          </div>

          <Show when={progress()}>
            {(p) => (
              <div class="progress">
                <label for={`${id}-progress`}>
                  Inviting… {p().done.toLocaleString("en")} of {p().total.toLocaleString("en")}
                </label>
                <progress id={`${id}-progress`} max={Math.max(p().total, 1)} value={p().done} />
              </div>
            )}
          </Show>

          <div class="actions dialog-actions">
            <button type="button" class="button secondary" disabled={props.busy} onClick={() => props.close()}>
              Cancel
            </button>
            <button type="submit" class="button primary" disabled={props.busy || parsed().rows.length === 0}>
              {props.busy ? "Inviting…" : `Invite ${plural(parsed().rows.length, "row")}`}
            </button>
          </div>
        </form>
      }
    >
      {(rows) => (
        <div class="form">
          <p role="status">
            <strong>{rows().filter((r) => r.ok).length.toLocaleString("en")}</strong> invited, <strong>{rows().filter((r) => !r.ok).length.toLocaleString("en")}</strong> not invited.
          </p>
          <div class="table-scroll results" tabindex="0" role="region" aria-label="Results per row">
            <table class="roster-table compact" aria-label="Bulk invitation results">
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">Invitee</th>
                  <th scope="col">Result</th>
                </tr>
              </thead>
              <tbody>
                <For each={rows()}>
                  {(row) => (
                    <tr classList={{ failed: !row.ok }}>
                      <td data-label="Line">{row.line}</td>
                      <td data-label="Invitee">{row.invitee}</td>
                      <td data-label="Result">{row.text}</td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </div>
          <div class="actions dialog-actions">
            <Show when={!props.settings.mail && links()}>
              <CopyButton text={links()} label="Copy all links (CSV)" />
            </Show>
            <button type="button" class="button primary" autofocus onClick={() => props.close()}>
              Done
            </button>
          </div>
        </div>
      )}
    </Show>
  );
}

function ProblemList(props: { problems: RowProblem[] }) {
  return (
    <Show when={props.problems.length > 0}>
      <ul class="problems" aria-label="Lines with problems">
        <For each={props.problems.slice(0, shownProblems)}>
          {(p) => (
            <li>
              Line {p.line}: <code>{p.text.slice(0, 80)}</code> — {p.message}
            </li>
          )}
        </For>
        <Show when={props.problems.length > shownProblems}>
          <li>…and {props.problems.length - shownProblems} more.</li>
        </Show>
      </ul>
    </Show>
  );
}

/** The API's outcomes and the lines refused before sending, in line order. */
function merge(outcomes: RowOutcome[], problems: RowProblem[]): ResultRow[] {
  const rows: ResultRow[] = [
    ...outcomes.map((o): ResultRow =>
      o.ok
        ? { line: o.row.line, invitee: o.row.invitee, ok: true, text: `Invited as ${roleLabel[o.row.role]}`, url: o.inviteUrl }
        : { line: o.row.line, invitee: o.row.invitee, ok: false, text: o.message },
    ),
    ...problems.map((p): ResultRow => ({ line: p.line, invitee: p.text, ok: false, text: `Not sent: ${p.message}` })),
  ];
  return rows.sort((a, b) => a.line - b.line);
}
