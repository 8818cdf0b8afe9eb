import { createSignal, createUniqueId, For, Show } from "solid-js";
import { domainProblem, maxDomains, normalizeDomain } from "../org-admin/settings.ts";

/**
 * The organization's allowed email domains as removable chips, with a field to add one
 * (Enter or "Add"). Empty means anyone may be invited. `error` is the API's word on the list.
 */
export function DomainsEditor(props: { domains: string[]; onChange: (domains: string[]) => void; error?: string | undefined; disabled?: boolean }) {
  const id = createUniqueId();
  const [typed, setTyped] = createSignal("");
  const [problem, setProblem] = createSignal<string | null>(null);
  const [said, setSaid] = createSignal("");
  let input: HTMLInputElement | undefined;

  const add = () => {
    const domain = normalizeDomain(typed());
    const wrong = domainProblem(domain, props.domains);
    setProblem(wrong);
    if (wrong) return input?.focus();
    props.onChange([...props.domains, domain]);
    setTyped("");
    setSaid(`${domain} added.`);
    input?.focus();
  };

  const remove = (domain: string, index: number) => {
    const next = props.domains.filter((d) => d !== domain);
    props.onChange(next);
    setSaid(`${domain} removed.`);
    // Focus moves to the chip that took its place, or to the field when none is left.
    queueMicrotask(() => {
      const buttons = document.querySelectorAll<HTMLButtonElement>(`#${id}-list button`);
      (buttons[Math.min(index, buttons.length - 1)] ?? input)?.focus();
    });
  };

  const error = () => problem() ?? props.error;

  return (
    <fieldset class="field" aria-describedby={`${id}-hint`}>
      <legend>Allowed email domains</legend>
      <p id={`${id}-hint`} class="hint">
        Invitations go only to addresses at these domains. With none, anyone can be invited. Up to {maxDomains}.
      </p>
      <Show when={props.domains.length > 0} fallback={<p class="muted">Any domain is allowed.</p>}>
        <ul id={`${id}-list`} class="chips" aria-label="Allowed domains">
          <For each={props.domains}>
            {(domain, index) => (
              <li class="chip">
                <span>{domain}</span>
                <button
                  type="button"
                  class="button ghost small"
                  aria-label={`Remove ${domain}`}
                  disabled={props.disabled}
                  onClick={() => remove(domain, index())}
                >
                  <span aria-hidden="true">×</span>
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <label for={`${id}-input`} class="sub-label">
        Add a domain
      </label>
      <div class="inline-add">
        <input
          ref={input}
          id={`${id}-input`}
          placeholder="example.com"
          autocomplete="off"
          autocapitalize="off"
          spellcheck={false}
          disabled={props.disabled}
          value={typed()}
          onInput={(e) => {
            setTyped(e.currentTarget.value);
            setProblem(null);
          }}
          onKeyDown={(e) => {
            // Enter adds the domain here instead of saving the whole form.
            if (e.key === "Enter") {
              e.preventDefault();
              add();
            }
          }}
          aria-invalid={error() ? true : undefined}
          aria-describedby={error() ? `${id}-error ${id}-hint` : `${id}-hint`}
        />
        <button type="button" class="button secondary" disabled={props.disabled} onClick={add}>
          Add domain
        </button>
      </div>
      <Show when={error()}>
        <p id={`${id}-error`} class="field-error">
          {error()}
        </p>
      </Show>
      <span class="visually-hidden" role="status">
        {said()}
      </span>
    </fieldset>
  );
}
