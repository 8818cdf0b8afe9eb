import { createEffect, createSignal, For, on, onCleanup, Show, type JSX } from "solid-js";
import type { AuditNameView } from "../../../worker/views/index.ts";
import { auditActions } from "../../../worker/domain/audit-actions.ts";
import type { AuditFilters } from "../org-admin/audit.ts";
import { actionSentence } from "../org-admin/audit-view.ts";

/** How long typing in the actor or target field waits before filtering. */
const typingMs = 400;

/**
 * The audit trail's filters: actor (typed, with suggestions from the events on screen),
 * action (one or a family), target (an id, set by an event's "History" button or typed),
 * and a range of days. Choices apply at once; the actor after a
 * pause in typing, or on Enter.
 */
export function AuditFiltersForm(props: {
  filters: AuditFilters;
  names: Record<string, AuditNameView>;
  rangeError: string | null;
  onApply: (change: Partial<AuditFilters>) => void;
}) {
  const actor = createTypedFilter(() => props.filters.actor, (value) => props.onApply({ actor: value }));
  const target = createTypedFilter(() => props.filters.target, (value) => props.onApply({ target: value }));

  /** People and keys seen on this page, as the actor filter takes them (an email, a key's name). */
  const suggestions = () => [
    ...new Set(
      Object.entries(props.names).map(([id, n]) => (id.startsWith("key_") ? n.name : (n.detail ?? n.name))),
    ),
    "system",
  ];
  const active = () => Object.values(props.filters).some(Boolean);

  return (
    <form
      class="card filters"
      role="search"
      aria-label="Filter the audit trail"
      onSubmit={(e) => {
        e.preventDefault();
        actor.apply(actor.value());
        target.apply(target.value());
      }}
    >
      <div class="field">
        <label for="audit-actor">Actor</label>
        <input
          id="audit-actor"
          list="audit-actors"
          placeholder="Email, @username, key name or system"
          {...actor.input}
        />
        <datalist id="audit-actors">
          <For each={suggestions()}>{(value) => <option value={value} />}</For>
        </datalist>
      </div>
      <div class="field">
        <label for="audit-action">Action</label>
        <select id="audit-action" value={props.filters.action} onChange={(e) => props.onApply({ action: e.currentTarget.value })}>
          <option value="">All actions</option>
          <For each={Object.entries(auditActions)}>
            {([family, group]) => (
              <optgroup label={group.label}>
                <option value={family}>All {group.label.toLowerCase()} actions</option>
                <For each={Object.keys(group.actions)}>{(action) => <option value={action}>{actionSentence(action)}</option>}</For>
              </optgroup>
            )}
          </For>
        </select>
      </div>
      <div class="field">
        <label for="audit-target">Target</label>
        <input
          id="audit-target"
          placeholder="An id: inv_…, usr_…, key_…"
          aria-describedby={props.filters.target && props.names[props.filters.target] ? "audit-target-hint" : undefined}
          {...target.input}
        />
        <Show when={props.filters.target ? props.names[props.filters.target] : undefined}>
          {(named) => (
            <p id="audit-target-hint" class="hint">
              History of {named().name}
            </p>
          )}
        </Show>
      </div>
      <div class="field">
        <label for="audit-from">From</label>
        <input
          id="audit-from"
          type="date"
          value={props.filters.from}
          max={props.filters.to || undefined}
          onChange={(e) => props.onApply({ from: e.currentTarget.value })}
          aria-invalid={props.rangeError ? true : undefined}
          aria-describedby={props.rangeError ? "audit-range-error" : undefined}
        />
      </div>
      <div class="field">
        <label for="audit-to">To</label>
        <input
          id="audit-to"
          type="date"
          value={props.filters.to}
          min={props.filters.from || undefined}
          onChange={(e) => props.onApply({ to: e.currentTarget.value })}
          aria-invalid={props.rangeError ? true : undefined}
          aria-describedby={props.rangeError ? "audit-range-error" : undefined}
        />
      </div>
      <div class="actions">
        <button type="submit" class="visually-hidden" tabindex="-1">
          Filter
        </button>
        <button
          type="button"
          class="button secondary"
          disabled={!active()}
          onClick={() => {
            actor.setValue("");
            target.setValue("");
            props.onApply({ actor: "", action: "", target: "", from: "", to: "" });
          }}
        >
          Clear filters
        </button>
      </div>
      <Show when={props.rangeError}>
        <p id="audit-range-error" class="field-error" role="alert">
          {props.rangeError}
        </p>
      </Show>
    </form>
  );
}

/**
 * A filter typed in a field (the actor, the target): it follows the URL (Back, "Clear
 * filters", an event's "History"), applies its trimmed value after a pause in typing or on
 * `apply` (Enter), and Escape clears it.
 */
function createTypedFilter(current: () => string, onApply: (value: string) => void) {
  const [value, setValue] = createSignal(current());
  createEffect(on(current, (next) => setValue(next), { defer: true }));
  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));
  const apply = (typed: string) => {
    clearTimeout(timer);
    if (typed.trim() !== current()) onApply(typed.trim());
  };
  /** The field's attributes: a search box, without autocompletion or spelling. */
  const input: JSX.InputHTMLAttributes<HTMLInputElement> = {
    type: "search",
    autocomplete: "off",
    spellcheck: false,
    get value() {
      return value();
    },
    onInput: (e) => {
      const typed = e.currentTarget.value;
      setValue(typed);
      clearTimeout(timer);
      timer = setTimeout(() => apply(typed), typingMs);
    },
    onKeyDown: (e) => {
      if (e.key === "Escape" && value()) {
        e.preventDefault();
        setValue("");
        apply("");
      }
    },
  };
  return { value, setValue, apply, input };
}
