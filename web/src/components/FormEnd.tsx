import { Refusal } from "./Dialog.tsx";

/**
 * The end of a dialog's form: the API's refusal (an alert), Cancel and the submitting
 * button, named `label` (`pendingLabel` while it is sent), disabled while pending or when
 * `disabled`. `danger` for a destructive submission.
 */
export function FormEnd(props: { pending: boolean; error: string | undefined; close: () => void; label: string; pendingLabel: string; disabled?: boolean; danger?: boolean }) {
  return (
    <>
      <Refusal error={props.error} />
      <div class="actions dialog-actions">
        <button type="button" class="button secondary" disabled={props.pending} onClick={() => props.close()}>
          Cancel
        </button>
        <button type="submit" class="button" classList={{ danger: props.danger === true, primary: props.danger !== true }} disabled={props.pending || props.disabled === true}>
          {props.pending ? props.pendingLabel : props.label}
        </button>
      </div>
    </>
  );
}
