import { createUniqueId, For, Show } from "solid-js";
import { projectRoles, type ProjectRole } from "../../../worker/domain/projects.ts";
import type { ProjectView } from "../../../worker/views/index.ts";

/** A project role in the dashboard's words. */
export const projectRoleLabel: Record<ProjectRole, string> = { owner: "Owner", admin: "Admin", use: "Use", viewer: "Viewer" };

export type ProjectPick = { projectId: string; role: ProjectRole };

/**
 * Choose projects and a role in each: one checkbox per project ("Assign to <name>") and,
 * once it is ticked, its role ("Role in <name>"). Used by the invite and invitation dialogs,
 * bulk assignment and a member's projects.
 */
export function ProjectRolesPicker(props: {
  legend: string;
  projects: readonly ProjectView[];
  value: readonly ProjectPick[];
  onChange: (value: ProjectPick[]) => void;
  /** The role a newly ticked project starts with. */
  defaultRole?: ProjectRole;
  disabled?: boolean;
  /** Shown while the projects are being read, or when there are none. */
  empty?: string;
}) {
  const id = createUniqueId();
  const roleOf = (projectId: string) => props.value.find((p) => p.projectId === projectId)?.role;
  const set = (projectId: string, role: ProjectRole | null) => {
    const rest = props.value.filter((p) => p.projectId !== projectId);
    // Kept in the order of the list shown.
    const next = role === null ? rest : [...rest, { projectId, role }];
    const order = new Map(props.projects.map((p, i) => [p.id, i]));
    props.onChange(next.sort((a, b) => (order.get(a.projectId) ?? 0) - (order.get(b.projectId) ?? 0)));
  };
  return (
    <fieldset class="project-picker" disabled={props.disabled}>
      <legend>{props.legend}</legend>
      <Show when={props.projects.length > 0} fallback={<p class="muted">{props.empty ?? "No projects yet."}</p>}>
        <ul class="project-picks">
          <For each={props.projects}>
            {(project, i) => (
              <li>
                <label class="check">
                  <input
                    type="checkbox"
                    aria-label={`Assign to ${project.name}`}
                    checked={roleOf(project.id) !== undefined}
                    onChange={(e) => set(project.id, e.currentTarget.checked ? (roleOf(project.id) ?? props.defaultRole ?? "use") : null)}
                  />
                  <span>
                    {project.name}
                    <Show when={project.visibility === "private"}>
                      {" "}
                      <span class="tag">Private</span>
                    </Show>
                  </span>
                </label>
                <select
                  id={`${id}-${i()}`}
                  aria-label={`Role in ${project.name}`}
                  disabled={roleOf(project.id) === undefined}
                  value={roleOf(project.id) ?? props.defaultRole ?? "use"}
                  onChange={(e) => set(project.id, e.currentTarget.value as ProjectRole)}
                >
                  <For each={projectRoles}>{(r) => <option value={r}>{projectRoleLabel[r]}</option>}</For>
                </select>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </fieldset>
  );
}
