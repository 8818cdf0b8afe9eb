import { createSignal, onCleanup } from "solid-js";

/**
 * Copies `text` to the clipboard and says so ("Copied", announced politely). Where the
 * clipboard is refused (an insecure origin, a denied permission), it says to copy by hand.
 */
export function CopyButton(props: { text: string; label: string; class?: string }) {
  const [said, setSaid] = createSignal("");
  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text);
      setSaid("Copied");
    } catch {
      setSaid("Could not copy: select the text and copy it");
    }
    clearTimeout(timer);
    timer = setTimeout(() => setSaid(""), 4000);
  };

  return (
    <span class="copy">
      <button type="button" class={props.class ?? "button secondary small"} onClick={() => void copy()}>
        {props.label}
      </button>
      <span class="copy-said" role="status">
        {said()}
      </span>
    </span>
  );
}
