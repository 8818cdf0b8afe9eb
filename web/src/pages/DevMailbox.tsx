import { Show } from "solid-js";
import { PublicLayout, setTitle } from "../components/Layouts.tsx";
import { useHealth } from "../stores/health.ts";

/**
 * `/dev/mailbox`: local development only (the API has no dev mailbox elsewhere).
 * Placeholder: the dev mailbox page of issue 21 goes here.
 */
export default function DevMailboxPage() {
  setTitle("Dev mailbox");
  const { devMailbox } = useHealth();
  return (
    <PublicLayout>
      <h1>Dev mailbox</h1>
      <Show when={devMailbox()} fallback={<p class="muted">There is a dev mailbox only in local development.</p>}>
        <p class="muted">Every mail this local Roster sent will be listed here.</p>
      </Show>
    </PublicLayout>
  );
}
