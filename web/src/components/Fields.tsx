import { createUniqueId, Show, type JSX } from "solid-js";

interface FieldProps {
  label: string;
  value: string;
  error?: string | undefined;
  hint?: JSX.Element;
  ref?: (el: HTMLInputElement) => void;
  onInput: (value: string) => void;
  onBlur?: () => void;
  disabled?: boolean;
}

/**
 * A labelled input with its hint and its error, tied to it for screen readers
 * (`aria-describedby`, `aria-invalid`).
 */
function Field(props: FieldProps & { input: JSX.InputHTMLAttributes<HTMLInputElement> }) {
  const id = createUniqueId();
  const described = () => [props.error ? `${id}-error` : "", props.hint ? `${id}-hint` : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        {...props.input}
        ref={props.ref}
        id={id}
        value={props.value}
        disabled={props.disabled}
        onInput={(e) => props.onInput(e.currentTarget.value)}
        onBlur={() => props.onBlur?.()}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={described()}
      />
      <Show when={props.hint}>
        <p id={`${id}-hint`} class="hint">
          {props.hint}
        </p>
      </Show>
      <Show when={props.error}>
        <p id={`${id}-error`} class="field-error">
          {props.error}
        </p>
      </Show>
    </div>
  );
}

/** A labelled text input. */
export function TextField(props: FieldProps & { maxLength?: number; autocomplete?: string; required?: boolean; autofocus?: boolean }) {
  return (
    <Field
      {...props}
      input={{ type: "text", maxLength: props.maxLength, autocomplete: props.autocomplete as never, required: props.required, autofocus: props.autofocus }}
    />
  );
}

/** A labelled whole-number input. */
export function NumberField(props: FieldProps & { min: number; max: number }) {
  return <Field {...props} input={{ type: "number", inputMode: "numeric", min: props.min, max: props.max, step: 1 }} />;
}
