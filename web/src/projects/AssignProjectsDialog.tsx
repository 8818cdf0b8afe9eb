import { createSignal, Show } from "solid-js";
import type { MemberView, ProjectAssignmentsView } from "../../../worker/views/index.ts";
import { describeError, post } from "../api.ts";
import { createAction } from "../components/action.ts";
import { Dialog } from "../components/Dialog.tsx";
import { FormEnd } from "../components/FormEnd.tsx";
import { plural } from "../members/MemberDialogs.tsx";
import { displayName } from "../members/rules.ts";
import { useProjects } from "../stores/org-session.ts";
import { projectsUrl } from "../stores/projects.ts";
import { toast } from "../toast.ts";
import { ProjectRolesPicker, type ProjectPick } from "./ProjectRolesPicker.tsx";
import "./projects.css";

/**
 * "Assign to project": the members selected on the members page get, in every project
 * ticked, the role chosen for it — one request (`POST …/projects/assignments`).
 */
export function AssignProjectsDialog(props: { slug: string; members: MemberView[]; close: () => void; done: () => void }) {
  const projects = useProjects();
  const [picked, setPicked] = createSignal<ProjectPick[]>([]);
  const { pending, error, setError, run } = createAction({ toast: true });
  const who = () => (props.members.length === 1 ? displayName(props.members[0]!) : plural(props.members.length, "member"));

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    if (picked().length === 0) return setError("Choose at least one project.");
    await run(async () => {
      const answer = await post<ProjectAssignmentsView>(projectsUrl(props.slug, "/assignments"), { userIds: props.members.map((m) => m.userId), projects: picked() });
      toast(`Assigned ${who()} to ${plural(picked().length, "project")}${answer.unchanged > 0 && answer.assigned === 0 ? " (no change)" : ""}.`);
      props.done();
    });
  };

  return (
    <Dialog open title={`Assign ${who()} to projects`} busy={pending()} onClose={props.close} description="Each selected member gets the role chosen for each project ticked.">
      <form class="form" novalidate onSubmit={(e) => void submit(e)}>
        <Show when={projects.error()}>
          <p class="banner error" role="alert">
            Could not read the projects: {describeError(projects.error())}
          </p>
        </Show>
        <ProjectRolesPicker
          legend="Projects"
          projects={projects.page().items}
          value={picked()}
          onChange={setPicked}
          disabled={pending()}
          empty={projects.page().loaded ? "No projects yet: create one on the Projects page." : "Loading the projects…"}
        />
        <FormEnd pending={pending()} error={error()} close={props.close} label="Assign" pendingLabel="Assigning…" disabled={picked().length === 0} />
      </form>
    </Dialog>
  );
}
