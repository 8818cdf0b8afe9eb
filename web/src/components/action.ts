import { createSignal } from "solid-js";
import { describeError } from "../api.ts";
import { toastError } from "../toast.ts";

/**
 * The state of one action a dialog sends (save, delete, leave…): whether it is under way,
 * and the API's refusal in a sentence to show inside the dialog. `run(work)` clears the
 * last refusal, marks it pending while `work` runs and keeps the sentence if it fails
 * (also toasted with `toast: true`).
 */
export function createAction(options: { toast?: boolean } = {}) {
  const [pending, setPending] = createSignal(false);
  const [error, setError] = createSignal<string>();
  const run = async (work: () => Promise<void>) => {
    setPending(true);
    setError(undefined);
    try {
      await work();
    } catch (failure) {
      setError(describeError(failure));
      if (options.toast) toastError(failure);
    } finally {
      setPending(false);
    }
  };
  return { pending, error, setError, run };
}

/**
 * An action asked about first (a ConfirmDialog): what it is about while the dialog is open
 * (a row, or `true`), `ask(target)` opens it, `close()` closes it and forgets the refusal,
 * and `confirm(work)` runs `work` on the target as `createAction` does.
 */
export function createConfirmation<T>() {
  const action = createAction();
  const [target, setTarget] = createSignal<T>();
  const ask = (value: T) => {
    action.setError(undefined);
    setTarget(() => value);
  };
  const close = () => {
    setTarget(undefined);
    action.setError(undefined);
  };
  const confirm = async (work: (target: T) => Promise<void>) => {
    const value = target();
    if (value === undefined) return;
    await action.run(() => work(value));
  };
  return { target, pending: action.pending, error: action.error, ask, close, confirm };
}
