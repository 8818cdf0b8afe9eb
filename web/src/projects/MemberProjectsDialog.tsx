import { createResource, createSignal, Show } from "solid-js";
import type { MemberProjectView, MemberView } from "../../../worker/views/index.ts";
import { api, describeError, post } from "../api.ts";
import { createAction } from "../components/action.ts";
import { Dialog } from "../components/Dialog.tsx";
import { FormEnd } from "../components/FormEnd.tsx";
import { displayName } from "../members/rules.ts";
import { useProjects } from "../stores/org-session.ts";
import { projectsUrl } from "../stores/projects.ts";
import { toast } from "../toast.ts";
import { ProjectRolesPicker, type ProjectPick } from "./ProjectRolesPicker.tsx";
import "./projects.css";

/**
 * A member's projects (a row's "Projects" on the members page): ticked are those they are
 * in, with their role; saving assigns what was added or changed in one request and takes
 * them out of what was unticked.
 */
export function MemberProjectsDialog(props: { slug: string; member: MemberView; close: () => void }) {
  const projects = useProjects();
  const [current] = createResource(
    () => props.member.userId,
    async (userId) =>
      (await api<{ projects: MemberProjectView[] }>(`/api/v1/orgs/${encodeURIComponent(props.slug)}/members/${encodeURIComponent(userId)}/projects`)).projects,
  );
  const [edited, setEdited] = createSignal<ProjectPick[]>();
  const held = (): ProjectPick[] => (current() ?? []).map((p) => ({ projectId: p.projectId, role: p.role }));
  const value = () => edited() ?? held();
  const { pending, error, run } = createAction({ toast: true });

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const before = new Map(held().map((p) => [p.projectId, p.role]));
    const after = value();
    const changed = after.filter((p) => before.get(p.projectId) !== p.role);
    const removed = [...before.keys()].filter((id) => !after.some((p) => p.projectId === id));
    await run(async () => {
      if (changed.length > 0) await post(projectsUrl(props.slug, "/assignments"), { userIds: [props.member.userId], projects: changed });
      for (const projectId of removed) {
        await api(projectsUrl(props.slug, `/${encodeURIComponent(projectId)}/members/${encodeURIComponent(props.member.userId)}`), { method: "DELETE" });
      }
      toast(`Saved the projects of ${displayName(props.member)}.`);
      props.close();
    });
  };

  return (
    <Dialog open title={`Projects of ${displayName(props.member)}`} busy={pending()} onClose={props.close}>
      <form class="form" novalidate onSubmit={(e) => void submit(e)}>
        <Show when={current.error}>
          <p class="banner error" role="alert">
            Could not read their projects: {describeError(current.error)}
          </p>
        </Show>
        <Show when={current.state === "ready"} fallback={<p role="status">Loading their projects…</p>}>
          <ProjectRolesPicker legend="Projects and roles" projects={projects.page().items} value={value()} onChange={setEdited} disabled={pending()} />
        </Show>
        <FormEnd pending={pending()} error={error()} close={props.close} label="Save" pendingLabel="Saving…" disabled={current.state !== "ready"} />
      </form>
    </Dialog>
  );
}
