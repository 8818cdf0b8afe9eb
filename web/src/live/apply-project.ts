import type { LiveEvent, ProjectView } from "../../../worker/views/index.ts";
import type { ProjectsList } from "./state.ts";

/** Projects by name, as the API lists them. */
export function byName(a: ProjectView, b: ProjectView): number {
  const x = a.name.toLowerCase();
  const y = b.name.toLowerCase();
  return x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : 1;
}

/**
 * The projects list after `event`: `project.changed` puts the project in place (by name) or,
 * once deleted or out of the viewer's sight, takes it out; one that changed members' roles
 * moves `assignments`, so views of those roles read again. Other events leave it alone.
 */
export function applyToProjects(list: ProjectsList, event: LiveEvent): ProjectsList {
  if (event.type !== "project.changed" || !list.loaded) return list;
  const { project, userIds } = event.data;
  const assignments = userIds && userIds.length > 0 ? list.assignments + 1 : list.assignments;
  if ("deleted" in project && project.deleted) {
    const items = list.items.filter((p) => p.id !== project.id);
    return items.length === list.items.length && assignments === list.assignments ? list : { ...list, items, assignments };
  }
  const shown = project as ProjectView;
  const items = [...list.items.filter((p) => p.id !== shown.id), shown].sort(byName);
  return { ...list, items, assignments };
}
