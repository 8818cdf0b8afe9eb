import { reconcile } from "solid-js/store";
import type { ProjectView } from "../../../worker/views/index.ts";
import { api } from "../api.ts";
import { applyToProjects } from "../live/apply-project.ts";
import type { ProjectsList } from "../live/state.ts";
import type { OrgStoreContext } from "./org-session.ts";
import { createPaging } from "./paging.ts";

export const projectsUrl = (slug: string, rest = "") => `/api/v1/orgs/${encodeURIComponent(slug)}/projects${rest}`;

/**
 * The projects the viewer may see (`GET /orgs/:slug/projects`, by name, pages of 1,000: an
 * organization has far fewer projects than members, so one page is nearly always all of
 * them), kept current by `project.changed`.
 */
export function createProjectsStore(ctx: OrgStoreContext) {
  return createPaging<ProjectsList>(ctx, {
    current: () => ctx.state.projects,
    store: (list) => ctx.setState("projects", reconcile(list, { key: "id" })),
    async fetch(like, cursor) {
      const query = new URLSearchParams({ limit: String(like.limit) });
      if (cursor) query.set("cursor", cursor);
      const answer = await api<{ projects: ProjectView[]; nextCursor: string | null }>(projectsUrl(ctx.slug, `?${query}`));
      return { ...like, items: answer.projects, nextCursor: answer.nextCursor };
    },
    apply: applyToProjects,
  });
}

export type ProjectsStore = ReturnType<typeof createProjectsStore>;
