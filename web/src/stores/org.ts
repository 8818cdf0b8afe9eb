import { createEffect, createSignal, on } from "solid-js";
import { reconcile } from "solid-js/store";
import { api, ApiError, post } from "../api.ts";
import type { OrgWithSeatsView } from "../../../worker/views/index.ts";
import { applyToOrg } from "../live/apply-event.ts";
import type { OrgStoreContext } from "./org-session.ts";
import { useSession } from "./session.ts";

/** Organizations read or created in this tab, so a page opened again (or right after) shows at once. */
const known = new Map<string, OrgWithSeatsView>();

/** What this tab last knew of `slug`, to show while it is read again. */
export function knownOrg(slug: string): OrgWithSeatsView | undefined {
  return known.get(slug);
}

/**
 * The open organization and its seats (`GET /api/v1/orgs/:slug`), read once the live
 * channel is ready, and again on `resync`; `org.updated` and `seats.changed` keep them current.
 */
export function createOrgStore(ctx: OrgStoreContext) {
  const [error, setError] = createSignal<unknown>();
  const [loading, setLoading] = createSignal(false);
  let request = 0;

  async function read(): Promise<void> {
    const id = ++request;
    const from = ctx.state.seq;
    setLoading(true);
    try {
      const answer = await api<OrgWithSeatsView>(`/api/v1/orgs/${encodeURIComponent(ctx.slug)}`);
      if (id !== request) return;
      const current = ctx.catchUp({ org: answer.org, seats: answer.seats }, from, applyToOrg);
      if (!current) return void read();
      ctx.setState("org", reconcile(current.org));
      ctx.setState("seats", reconcile(current.seats));
      known.set(ctx.slug, { org: current.org, seats: current.seats });
      setError(undefined);
    } catch (failure) {
      if (id !== request) return;
      setError(failure);
      known.delete(ctx.slug);
      // The session ended meanwhile: reloading /me lets the shell send the person to sign in.
      if (failure instanceof ApiError && failure.status === 401) void useSession().refresh();
    } finally {
      if (id === request) setLoading(false);
    }
  }

  createEffect(
    on(ctx.canRead, (can) => {
      if (can) void read();
    }),
  );

  return {
    /** The organization; null until read. */
    org: () => ctx.state.org,
    /** Its seats; null until read. */
    seats: () => ctx.state.seats,
    /** Why it could not be read (an `ApiError`: 404 not a member or no such organization). */
    error,
    loading,
    /** Reads it again. */
    refresh: read,
  };
}

export type OrgStore = ReturnType<typeof createOrgStore>;

/** `POST /api/v1/orgs`: the caller becomes its owner. */
export async function createOrganization(input: { name: string; slug: string }): Promise<OrgWithSeatsView> {
  const answer = await post<OrgWithSeatsView>("/api/v1/orgs", input);
  known.set(answer.org.slug, answer);
  useSession().addMembership({
    org: { id: answer.org.id, slug: answer.org.slug, name: answer.org.name },
    role: "owner",
    joinedAt: answer.org.createdAt,
  });
  return answer;
}
