import { useNavigate } from "@solidjs/router";
import { createEffect, Show } from "solid-js";
import { describeError } from "../api.ts";
import { PublicLayout, setTitle } from "../components/Layouts.tsx";
import { useSession } from "../stores/session.ts";
import { lastOrg } from "../storage.ts";

/**
 * `/`: sends each person where they belong — /signin when signed out, their last (or
 * first) organization, or /orgs/new when they have none.
 */
export default function HomePage() {
  setTitle("");
  const session = useSession();
  const navigate = useNavigate();

  createEffect(() => {
    if (session.me.state !== "ready") return;
    const me = session.me();
    if (!me) return navigate("/signin", { replace: true });
    const remembered = lastOrg.get();
    const target = me.memberships.find((m) => m.org.slug === remembered) ?? me.memberships[0];
    navigate(target ? `/orgs/${encodeURIComponent(target.org.slug)}` : "/orgs/new", { replace: true });
  });

  return (
    <PublicLayout>
      <Show
        when={session.me.error}
        fallback={
          <p class="muted" role="status">
            Loading…
          </p>
        }
      >
        <div role="alert">
          <h1>Roster is not answering</h1>
          <p>{describeError(session.me.error)}</p>
        </div>
        <button type="button" class="button primary" onClick={() => void session.refresh()}>
          Try again
        </button>
      </Show>
    </PublicLayout>
  );
}
