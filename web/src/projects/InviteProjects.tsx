import { Show } from "solid-js";
import { describeError } from "../api.ts";
import { useProjects } from "../stores/org-session.ts";
import { ProjectRolesPicker, type ProjectPick } from "./ProjectRolesPicker.tsx";
import "./projects.css";

/**
 * The projects an invitation assigns on accept, with a role in each (the invite dialog and
 * a pending invitation's edit dialog). Hidden when the organization has no projects.
 */
export function InviteProjects(props: { value: readonly ProjectPick[]; onChange: (value: ProjectPick[]) => void }) {
  const projects = useProjects();
  const known = () => new Set(projects.page().items.map((p) => p.id));
  return (
    <>
      <Show when={projects.error()}>
        <p class="hint">Could not read the projects: {describeError(projects.error())}</p>
      </Show>
      <Show when={projects.page().items.length > 0 || props.value.length > 0}>
        <ProjectRolesPicker
          legend="Projects (assigned when they accept)"
          projects={projects.page().items}
          // An assignment to a project no longer listed (deleted meanwhile) is dropped.
          value={props.value.filter((p) => !projects.page().loaded || known().has(p.projectId))}
          onChange={props.onChange}
        />
      </Show>
    </>
  );
}
