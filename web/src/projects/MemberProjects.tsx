import { createResource, For, Show, type Accessor } from "solid-js";
import type { MemberProjectView, MemberView } from "../../../worker/views/index.ts";
import { api } from "../api.ts";
import { displayName } from "../members/rules.ts";
import { useOrg, useProjects } from "../stores/org-session.ts";
import { projectsUrl } from "../stores/projects.ts";
import { AssignProjectsDialog } from "./AssignProjectsDialog.tsx";
import { MemberProjectsDialog } from "./MemberProjectsDialog.tsx";
import { projectRoleLabel } from "./ProjectRolesPicker.tsx";
import "./projects.css";

/** The members page's project dialogs: bulk "Assign to project", and one member's projects. */
export type ProjectDialogState = { kind: "assign"; members: MemberView[] } | { kind: "member"; member: MemberView };

/**
 * The projects of the members on the page (one read for the page, `GET …/projects/assignments`),
 * read again when the page changes or a live event changes anyone's project roles.
 */
export function useMemberProjects(userIds: Accessor<string[]>) {
  const org = useOrg();
  const projects = org.can("projects:read") ? useProjects() : undefined;
  const [rows, { refetch }] = createResource(
    () => {
      const ids = userIds();
      if (!org.can("projects:read") || ids.length === 0) return false;
      return { ids: ids.slice(0, 100).join(","), version: projects?.page().assignments ?? 0, count: projects?.page().items.length ?? 0 };
    },
    async ({ ids }) => (await api<{ assignments: MemberProjectView[] }>(projectsUrl(org.slug, `/assignments?userIds=${encodeURIComponent(ids)}`))).assignments,
  );
  return {
    /** A member's projects, or undefined while they are read (or could not be). */
    of: (userId: string): MemberProjectView[] | undefined => (rows.latest ? rows.latest.filter((r) => r.userId === userId) : undefined),
    refresh: () => void refetch(),
  };
}

/** A row's "Projects" cell: the member's projects and roles, and (for admins) a button to edit them. */
export function MemberProjectsCell(props: { member: MemberView; projects: MemberProjectView[] | undefined; edit?: (() => void) | undefined }) {
  return (
    <span class="member-projects">
      <Show when={props.projects} fallback={<span class="muted">…</span>}>
        {(list) => (
          <Show when={list().length > 0} fallback={<span class="muted">—</span>}>
            <For each={list()}>
              {(p) => (
                <span class="tag" title={`${projectRoleLabel[p.role]} in ${p.projectName}`}>
                  {p.projectName}
                  <span class="visually-hidden"> ({projectRoleLabel[p.role]})</span>
                </span>
              )}
            </For>
          </Show>
        )}
      </Show>
      <Show when={props.edit}>
        {(edit) => (
          <button type="button" class="button ghost small" aria-label={`Projects of ${displayName(props.member)}`} onClick={() => edit()()}>
            Edit
          </button>
        )}
      </Show>
    </span>
  );
}

export function ProjectDialogs(props: { slug: string; state: ProjectDialogState | null; close: () => void; assigned: () => void; saved: () => void }) {
  return (
    <Show when={props.state} keyed>
      {(state) =>
        state.kind === "assign" ? (
          <AssignProjectsDialog slug={props.slug} members={state.members} close={props.close} done={props.assigned} />
        ) : (
          <MemberProjectsDialog
            slug={props.slug}
            member={state.member}
            close={() => {
              props.saved();
              props.close();
            }}
          />
        )
      }
    </Show>
  );
}
