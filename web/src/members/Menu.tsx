import { createSignal, createUniqueId, For, onCleanup, type JSX } from "solid-js";

/** One entry of a {@link MenuButton}. */
export interface MenuItem {
  label: string;
  onSelect: () => void;
  danger?: boolean;
}

/**
 * A button that opens a menu of actions (the ARIA menu button pattern). The menu is a popover
 * in the top layer, so no scrolling table clips it; it closes on Escape (focus back on the
 * button), Tab, a click outside, scrolling, or choosing an item. Arrow keys, Home and End move
 * between items; Enter or Space on the button opens it on the first item, ArrowUp on the last.
 */
export function MenuButton(props: { label: string; items: MenuItem[]; children: JSX.Element; class?: string }) {
  const id = createUniqueId();
  const [open, setOpen] = createSignal(false);
  let button!: HTMLButtonElement;
  let menu!: HTMLUListElement;

  const items = () => Array.from(menu.querySelectorAll<HTMLButtonElement>('[role="menuitem"]'));
  const focusItem = (index: number) => {
    const all = items();
    all[(index + all.length) % all.length]?.focus();
  };

  const place = () => {
    const anchor = button.getBoundingClientRect();
    const width = menu.offsetWidth;
    const height = menu.offsetHeight;
    const left = Math.min(Math.max(8, anchor.right - width), window.innerWidth - width - 8);
    const below = anchor.bottom + 4 + height <= window.innerHeight - 8;
    menu.style.left = `${left}px`;
    menu.style.top = `${below ? anchor.bottom + 4 : Math.max(8, anchor.top - 4 - height)}px`;
  };

  const show = (first: "first" | "last") => {
    if (props.items.length === 0) return;
    menu.showPopover();
    setOpen(true);
    place();
    focusItem(first === "first" ? 0 : -1);
  };
  const hide = (refocus: boolean) => {
    if (menu.matches(":popover-open")) menu.hidePopover();
    // The toggle event comes a task later; the button says it at once.
    setOpen(false);
    if (refocus) button.focus();
  };

  const onScroll = () => hide(false);
  const onToggle = (event: Event) => {
    const opened = (event as ToggleEvent).newState === "open";
    setOpen(opened);
    if (opened) {
      window.addEventListener("scroll", onScroll, { capture: true, passive: true });
      window.addEventListener("resize", onScroll);
    } else {
      window.removeEventListener("scroll", onScroll, { capture: true });
      window.removeEventListener("resize", onScroll);
    }
  };
  onCleanup(() => {
    window.removeEventListener("scroll", onScroll, { capture: true });
    window.removeEventListener("resize", onScroll);
  });

  const onMenuKey = (event: KeyboardEvent) => {
    const all = items();
    const at = all.indexOf(document.activeElement as HTMLButtonElement);
    const keys: Record<string, () => void> = {
      ArrowDown: () => focusItem(at + 1),
      ArrowUp: () => focusItem(at - 1),
      Home: () => focusItem(0),
      End: () => focusItem(-1),
      Escape: () => hide(true),
      Tab: () => hide(true),
    };
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  };

  return (
    <>
      <button
        ref={button}
        type="button"
        class={props.class ?? "button ghost small menu-button"}
        aria-label={props.label}
        aria-haspopup="menu"
        aria-expanded={open()}
        aria-controls={id}
        disabled={props.items.length === 0}
        onClick={() => (open() ? hide(true) : show("first"))}
        onKeyDown={(event) => {
          if (event.key === "ArrowDown" || event.key === "ArrowUp") {
            event.preventDefault();
            show(event.key === "ArrowDown" ? "first" : "last");
          }
        }}
      >
        {props.children}
      </button>
      <ul
        ref={(el) => {
          menu = el;
          el.addEventListener("toggle", onToggle);
        }}
        id={id}
        class="menu"
        role="menu"
        aria-label={props.label}
        popover="auto"
        onKeyDown={onMenuKey}
      >
        <For each={props.items}>
          {(item) => (
            <li role="none">
              <button
                type="button"
                role="menuitem"
                tabindex="-1"
                classList={{ danger: item.danger === true }}
                onClick={() => {
                  // Focus goes back to the button first, so a dialog the item opens returns it there.
                  hide(true);
                  item.onSelect();
                }}
              >
                {item.label}
              </button>
            </li>
          )}
        </For>
      </ul>
    </>
  );
}
