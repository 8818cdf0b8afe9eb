import { createSignal } from "solid-js";
import { describeError } from "./api.ts";

/** A short message in the toast region. */
export interface Toast {
  id: number;
  message: string;
  tone: "info" | "error";
}

const [toasts, setToasts] = createSignal<readonly Toast[]>([]);
let lastId = 0;

/** The toasts on screen, oldest first (at most five). */
export { toasts };

/**
 * Shows `message` in the toast region (`role="status"`, announced politely) for a few
 * seconds; errors stay longer. Answers a function that takes it away sooner.
 */
export function toast(message: string, options: { tone?: Toast["tone"]; timeoutMs?: number } = {}): () => void {
  const id = ++lastId;
  const tone = options.tone ?? "info";
  setToasts((list) => [...list.slice(-4), { id, message, tone }]);
  const timer = setTimeout(() => dismissToast(id), options.timeoutMs ?? (tone === "error" ? 10_000 : 5000));
  return () => {
    clearTimeout(timer);
    dismissToast(id);
  };
}

/** Shows what went wrong with an API call: the API's own message (`describeError`). */
export function toastError(error: unknown): () => void {
  return toast(describeError(error), { tone: "error" });
}

export function dismissToast(id: number): void {
  setToasts((list) => list.filter((t) => t.id !== id));
}
