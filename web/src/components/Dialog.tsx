import { createEffect, createUniqueId, on, Show, type JSX } from "solid-js";

/**
 * A modal dialog on the platform's `<dialog>`: `showModal()` makes the rest of the page
 * inert (focus stays inside), Escape closes it, and closing returns focus to where it was.
 * Its title names it (`aria-labelledby`); `role="alertdialog"` for confirmations.
 */
export function Dialog(props: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: JSX.Element;
  role?: "dialog" | "alertdialog";
  /** A sentence under the title that describes the dialog (`aria-describedby`). */
  description?: JSX.Element;
  /** Keeps it open on Escape (while something is being sent). */
  busy?: boolean;
}) {
  const titleId = createUniqueId();
  const descriptionId = createUniqueId();
  let dialog: HTMLDialogElement | undefined;
  /** What had focus when the dialog opened, and its accessible name. */
  let opener: { element: HTMLElement; label: string | null } | undefined;

  createEffect(
    on(
      () => props.open,
      (open) => {
        if (!dialog) return;
        if (open && !dialog.open) {
          const active = document.activeElement;
          opener = active instanceof HTMLElement ? { element: active, label: active.getAttribute("aria-label") } : undefined;
          dialog.showModal();
        }
        if (!open && dialog.open) {
          dialog.close();
          // The platform gives focus back to the opener; if a refresh of the list replaced it
          // meanwhile, to the element that took its place (the same control, same name).
          if (opener && !opener.element.isConnected && opener.label !== null) {
            document.querySelector<HTMLElement>(`[aria-label="${CSS.escape(opener.label)}"]`)?.focus();
          }
          opener = undefined;
        }
      },
    ),
  );

  return (
    <dialog
      ref={dialog}
      class="dialog"
      role={props.role ?? "dialog"}
      aria-labelledby={titleId}
      aria-describedby={props.description ? descriptionId : undefined}
      aria-modal="true"
      onCancel={(event) => {
        // Escape: the page decides, so its state and the dialog agree.
        event.preventDefault();
        if (!props.busy) props.onClose();
      }}
      onClick={(event) => {
        // A click on the backdrop (the dialog element itself, outside its box) closes it.
        if (event.target === dialog && !props.busy) {
          const box = dialog.getBoundingClientRect();
          const inside = event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
          if (!inside) props.onClose();
        }
      }}
    >
      <Show when={props.open}>
        <div class="dialog-head">
          <h2 id={titleId}>{props.title}</h2>
          <button type="button" class="button ghost small" aria-label="Close" disabled={props.busy} onClick={() => props.onClose()}>
            <span aria-hidden="true">×</span>
          </button>
        </div>
        <Show when={props.description}>
          <p id={descriptionId} class="dialog-description">
            {props.description}
          </p>
        </Show>
        {props.children}
      </Show>
    </dialog>
  );
}

/**
 * "Are you sure?": a title, what will happen, and a confirming button named for the action.
 * Focus starts on the least destructive choice: Cancel for a destructive action, else the
 * confirming button. Escape cancels. Shows the API's refusal inside.
 */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  description: JSX.Element;
  confirmLabel: string;
  pendingLabel?: string;
  danger?: boolean;
  pending: boolean;
  error?: string | undefined;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Dialog open={props.open} title={props.title} role="alertdialog" description={props.description} busy={props.pending} onClose={props.onClose}>
      <Refusal error={props.error} />
      <div class="actions dialog-actions">
        <button type="button" class="button secondary" disabled={props.pending} autofocus={props.danger === true} onClick={() => props.onClose()}>
          Cancel
        </button>
        <button
          type="button"
          class="button"
          classList={{ danger: props.danger === true, primary: props.danger !== true }}
          disabled={props.pending}
          autofocus={props.danger !== true}
          onClick={() => props.onConfirm()}
        >
          {props.pending ? (props.pendingLabel ?? "Working…") : props.confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}

/** The API's refusal inside a dialog, as an alert; nothing when there is none. */
export function Refusal(props: { error: string | undefined }) {
  return (
    <Show when={props.error}>
      <p class="banner error" role="alert">
        {props.error}
      </p>
    </Show>
  );
}
