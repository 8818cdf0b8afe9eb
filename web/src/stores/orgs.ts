import { createResource, type Accessor } from "solid-js";
import { api, ApiError, post } from "../api.ts";
import type { OrgWithSeatsView } from "../../../worker/views/index.ts";
import { useSession } from "./session.ts";

/** What the API answered for one slug: the organization, or why not. */
export type OrgAnswer = { slug: string; data: OrgWithSeatsView; error?: undefined } | { slug: string; data?: undefined; error: unknown };

/** Answers fetched or created recently, so a page opened right after shows at once. */
const known = new Map<string, OrgWithSeatsView>();

/**
 * One organization with its seats (`GET /api/v1/orgs/:slug`), following `slug`. Errors are
 * kept as answers for their slug, so a page never shows one slug's error under another's.
 */
export function createOrgResource(slug: Accessor<string>) {
  const [answer, { refetch }] = createResource(slug, async (current): Promise<OrgAnswer> => {
    try {
      const data = await api<OrgWithSeatsView>(`/api/v1/orgs/${encodeURIComponent(current)}`);
      known.set(current, data);
      return { slug: current, data };
    } catch (error) {
      known.delete(current);
      // The session ended meanwhile: reloading /me lets the shell send the person to sign in.
      if (error instanceof ApiError && error.status === 401) void useSession().refresh();
      return { slug: current, error };
    }
  });
  return {
    /** The answer for the current slug; undefined while it is first loaded. */
    current: (): OrgAnswer | undefined => {
      const latest = answer.latest;
      if (latest?.slug === slug()) return latest;
      const cached = known.get(slug());
      return cached ? { slug: slug(), data: cached } : undefined;
    },
    loading: () => answer.loading,
    refresh: () => refetch(),
  };
}

/** `POST /api/v1/orgs`: the caller becomes its owner. */
export async function createOrganization(input: { name: string; slug: string }): Promise<OrgWithSeatsView> {
  const created = await post<OrgWithSeatsView>("/api/v1/orgs", input);
  known.set(created.org.slug, created);
  useSession().addMembership({
    org: { id: created.org.id, slug: created.org.slug, name: created.org.name },
    role: "owner",
    joinedAt: created.org.createdAt,
  });
  return created;
}
