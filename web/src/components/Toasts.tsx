import { For } from "solid-js";
import { dismissToast, toasts } from "../toast.ts";

/** Where `toast()` messages appear; the region is always there so screen readers announce them. */
export function Toasts() {
  return (
    <div class="toasts" role="status" aria-live="polite" aria-label="Notifications">
      <For each={toasts()}>
        {(item) => (
          <div class="toast" classList={{ error: item.tone === "error" }}>
            <p>{item.message}</p>
            <button type="button" class="button ghost small" aria-label="Dismiss" onClick={() => dismissToast(item.id)}>
              <span aria-hidden="true">×</span>
            </button>
          </div>
        )}
      </For>
    </div>
  );
}
