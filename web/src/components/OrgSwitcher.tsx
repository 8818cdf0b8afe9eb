import { For, Show } from "solid-js";
import type { MembershipView } from "../../../worker/views/index.ts";
import { useNavigate } from "@solidjs/router";

/** A select of the caller's organizations; choosing one opens it. */
export function OrgSwitcher(props: { memberships: MembershipView[]; current: string | undefined }) {
  const navigate = useNavigate();
  return (
    <div class="switcher">
      <label for="org-switcher" class="visually-hidden">
        Organization
      </label>
      <select
        id="org-switcher"
        value={props.current ?? ""}
        onChange={(event) => {
          const slug = event.currentTarget.value;
          if (slug && slug !== props.current) navigate(`/orgs/${encodeURIComponent(slug)}`);
        }}
      >
        <Show when={!props.current || !props.memberships.some((m) => m.org.slug === props.current)}>
          <option value="" disabled selected>
            {props.memberships.length ? "Choose an organization…" : "No organizations yet"}
          </option>
        </Show>
        <For each={props.memberships}>
          {(m) => (
            <option value={m.org.slug} selected={m.org.slug === props.current}>
              {m.org.name}
            </option>
          )}
        </For>
      </select>
    </div>
  );
}
