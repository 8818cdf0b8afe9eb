import { createEffect, createResource, createSignal, createUniqueId, For, Match, on, Show, Switch } from "solid-js";
import type { ProjectVisibility } from "../../../worker/domain/projects.ts";
import type { ProjectDetailView, ProjectMemberPageView, ProjectMemberView, ProjectView } from "../../../worker/views/index.ts";
import { api, ApiError, describeError, post } from "../api.ts";
import { createConfirmation } from "../components/action.ts";
import { ConfirmDialog, Dialog } from "../components/Dialog.tsx";
import { FormEnd } from "../components/FormEnd.tsx";
import { TextField } from "../components/Fields.tsx";
import { setTitle } from "../components/Layouts.tsx";
import { ListState } from "../components/ListState.tsx";
import { LoadError } from "../components/LoadError.tsx";
import { RefreshButton } from "../components/RefreshButton.tsx";
import { roleLabel } from "../model.ts";
import { Pager } from "../members/parts.tsx";
import { projectRoleLabel } from "../projects/ProjectRolesPicker.tsx";
import { useOrg, useProjects } from "../stores/org-session.ts";
import { projectsUrl } from "../stores/projects.ts";
import { toast, toastError } from "../toast.ts";
import "../org-admin/org-admin.css";
import "../projects/projects.css";

type Editing = { kind: "create" } | { kind: "edit"; project: ProjectView };

/**
 * `/orgs/:slug/projects`: the projects the viewer may see, by name. Admins and owners create
 * them, rename them, change their visibility and delete them (after a confirmation); anyone
 * opens one to see its members and their roles. Changes made elsewhere arrive live.
 */
export default function ProjectsPage() {
  setTitle("Projects");
  const org = useOrg();
  const projects = useProjects();
  const canWrite = () => org.can("projects:write");
  const [editing, setEditing] = createSignal<Editing | null>(null);
  const deletion = createConfirmation<ProjectView>();
  const [openId, setOpenId] = createSignal<string>();
  const list = () => projects.page();
  const opened = () => list().items.find((p) => p.id === openId());

  const remove = () =>
    deletion.confirm(async (project) => {
      await api(projectsUrl(org.slug, `/${encodeURIComponent(project.id)}`), { method: "DELETE" });
      deletion.close();
      if (openId() === project.id) setOpenId(undefined);
      void projects.refresh();
      toast(`Deleted ${project.name}.`);
    });

  return (
    <div class="admin-page projects-page">
      <header class="section-head">
        <div>
          <h1>Projects</h1>
          <p class="muted">
            Members get a role in each project: owner, admin, use or viewer. Private projects are seen only by admins, owners and their own members.
          </p>
        </div>
        <Show when={canWrite()}>
          <button type="button" class="button primary" onClick={() => setEditing({ kind: "create" })}>
            New project
          </button>
        </Show>
      </header>

      <section class="card" aria-labelledby="projects-title">
        <div class="section-head">
          <h2 id="projects-title">
            Projects <Show when={list().loaded}>({list().items.length})</Show>
          </h2>
          <RefreshButton loading={projects.loading()} onClick={() => void projects.refresh()} />
        </div>
        <ListState
          loading="Loading the projects…"
          what="projects"
          error={list().loaded ? undefined : projects.error()}
          retry={() => void projects.refresh()}
          items={list().loaded ? list().items : undefined}
          emptyTitle="No projects yet."
          emptyHint={canWrite() ? "Create one, then assign members to it from here or from the members page." : "None you can see."}
        >
          {(items) => (
            <div class="table-wrap">
              <table class="data-table" aria-labelledby="projects-title">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Visibility</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={items()}>
                    {(project) => (
                      <tr aria-label={project.name} classList={{ selected: openId() === project.id }}>
                        <td data-label="Name">
                          <strong>{project.name}</strong>
                          <Show when={project.personalUserId}>
                            {" "}
                            <span class="tag">Personal</span>
                          </Show>
                        </td>
                        <td data-label="Visibility">
                          <span class="tag">{project.visibility === "public" ? "Public" : "Private"}</span>
                        </td>
                        <td data-label="" class="row-buttons">
                          <button
                            type="button"
                            class="button ghost small"
                            aria-label={`Members of ${project.name}`}
                            aria-expanded={openId() === project.id}
                            onClick={() => setOpenId(openId() === project.id ? undefined : project.id)}
                          >
                            Members
                          </button>
                          <Show when={canWrite()}>
                            <button type="button" class="button ghost small" aria-label={`Edit ${project.name}`} onClick={() => setEditing({ kind: "edit", project })}>
                              Edit
                            </button>
                            <button
                              type="button"
                              class="button danger-outline small"
                              aria-label={`Delete ${project.name}`}
                              onClick={() => deletion.ask(project)}
                            >
                              Delete
                            </button>
                          </Show>
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          )}
        </ListState>
        <Show when={list().index > 0 || list().nextCursor !== null}>
          <Pager
            label="Projects"
            index={list().index}
            limit={list().limit}
            shown={list().items.length}
            hasNext={list().nextCursor !== null}
            busy={projects.loading()}
            previous={() => void projects.previous()}
            next={() => void projects.next()}
          />
        </Show>
      </section>

      <Show when={opened()} keyed>
        {(project) => <ProjectMembers slug={org.slug} project={project} canWrite={canWrite()} version={list().assignments} />}
      </Show>

      <Show when={editing()} keyed>
        {(e) => (
          <ProjectDialog
            slug={org.slug}
            project={e.kind === "edit" ? e.project : undefined}
            close={() => setEditing(null)}
            saved={(project) => {
              setEditing(null);
              void projects.refresh();
              toast(e.kind === "create" ? `Created ${project.name}.` : `Saved ${project.name}.`);
            }}
          />
        )}
      </Show>

      <ConfirmDialog
        open={deletion.target() !== undefined}
        title={`Delete ${deletion.target()?.name ?? ""}?`}
        description="Its members lose their roles in it, and pending invitations no longer assign it. This cannot be undone."
        confirmLabel="Delete project"
        pendingLabel="Deleting…"
        danger
        pending={deletion.pending()}
        error={deletion.error()}
        onClose={deletion.close}
        onConfirm={() => void remove()}
      />
    </div>
  );
}

/** Create or edit: the name and the visibility. */
function ProjectDialog(props: { slug: string; project: ProjectView | undefined; close: () => void; saved: (project: ProjectView) => void }) {
  const id = createUniqueId();
  const [name, setName] = createSignal(props.project?.name ?? "");
  const [visibility, setVisibility] = createSignal<ProjectVisibility>(props.project?.visibility ?? "private");
  const [pending, setPending] = createSignal(false);
  const [error, setError] = createSignal<string>();
  const [nameError, setNameError] = createSignal<string>();

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const trimmed = name().trim();
    if (trimmed === "" || trimmed.length > 100) return setNameError("Enter a name of 1 to 100 characters.");
    setNameError(undefined);
    setPending(true);
    setError(undefined);
    try {
      const body = { name: trimmed, visibility: visibility() };
      const answer = props.project
        ? await api<{ project: ProjectView }>(projectsUrl(props.slug, `/${encodeURIComponent(props.project.id)}`), { method: "PATCH", body: JSON.stringify(body) })
        : await post<{ project: ProjectView }>(projectsUrl(props.slug), body);
      props.saved(answer.project);
    } catch (failure) {
      if (failure instanceof ApiError && failure.code === "project_name_taken") setNameError(failure.message);
      else setError(describeError(failure));
      toastError(failure);
    } finally {
      setPending(false);
    }
  };

  return (
    <Dialog open title={props.project ? `Edit ${props.project.name}` : "New project"} busy={pending()} onClose={props.close}>
      <form class="form" novalidate onSubmit={(e) => void submit(e)}>
        <TextField label="Project name" autofocus maxLength={100} value={name()} error={nameError()} onInput={setName} />
        <div class="field">
          <label for={`${id}-visibility`}>Visibility</label>
          <select id={`${id}-visibility`} value={visibility()} onChange={(e) => setVisibility(e.currentTarget.value as ProjectVisibility)}>
            <option value="private">Private: admins, owners and its members</option>
            <option value="public">Public: everyone in the organization</option>
          </select>
        </div>
        <FormEnd pending={pending()} error={error()} close={props.close} label={props.project ? "Save" : "Create project"} pendingLabel="Saving…" />
      </form>
    </Dialog>
  );
}

/** A project's members and their roles; admins take one out. Read again when roles change. */
function ProjectMembers(props: { slug: string; project: ProjectView; canWrite: boolean; version: number }) {
  const [detail, { refetch }] = createResource(
    () => [props.project.id, props.version] as const,
    async ([projectId]) => api<ProjectDetailView>(projectsUrl(props.slug, `/${encodeURIComponent(projectId)}`)),
  );
  // Members past the first page (the project's answer holds 100), read on asking.
  const [more, setMore] = createSignal<{ members: ProjectMemberView[]; nextCursor: string | null; loading: boolean }>({ members: [], nextCursor: null, loading: false });
  // A new read of the project (roles changed elsewhere) starts from its first page again.
  createEffect(on(() => [props.project.id, props.version], () => setMore({ members: [], nextCursor: null, loading: false }), { defer: true }));
  const members = () => [...(detail.latest?.members ?? []), ...more().members];
  const nextCursor = () => (more().members.length > 0 || more().loading ? more().nextCursor : (detail.latest?.membersNextCursor ?? null));
  const showMore = async () => {
    const cursor = nextCursor();
    if (!cursor) return;
    setMore((m) => ({ ...m, loading: true, nextCursor: cursor }));
    try {
      const page = await api<ProjectMemberPageView>(projectsUrl(props.slug, `/${encodeURIComponent(props.project.id)}/members?limit=100&cursor=${encodeURIComponent(cursor)}`));
      setMore((m) => ({ members: [...m.members, ...page.members], nextCursor: page.nextCursor, loading: false }));
    } catch (failure) {
      setMore((m) => ({ ...m, loading: false }));
      toastError(failure);
    }
  };
  const [removing, setRemoving] = createSignal<string>();
  const takeOut = async (userId: string, name: string) => {
    setRemoving(userId);
    try {
      await api(projectsUrl(props.slug, `/${encodeURIComponent(props.project.id)}/members/${encodeURIComponent(userId)}`), { method: "DELETE" });
      toast(`Took ${name} out of ${props.project.name}.`);
      setMore({ members: [], nextCursor: null, loading: false });
      void refetch();
    } catch (failure) {
      toastError(failure);
    } finally {
      setRemoving(undefined);
    }
  };
  return (
    <section class="card" aria-labelledby="project-members-title">
      <h2 id="project-members-title">Members of {props.project.name}</h2>
      <Switch fallback={<p role="status">Loading its members…</p>}>
        <Match when={detail.error}>
          <LoadError what="the project's members" error={detail.error} retry={() => void refetch()} />
        </Match>
        <Match when={detail.latest}>
          {(shown) => (
            <Show
              when={shown().members.length > 0}
              fallback={<p class="muted">Nobody is in this project yet{props.canWrite ? ": assign members from the members page." : "."}</p>}
            >
              <table class="data-table" aria-label={`Members of ${props.project.name}`}>
                <thead>
                  <tr>
                    <th scope="col">Member</th>
                    <th scope="col">Role in the project</th>
                    <th scope="col">Organization role</th>
                    <Show when={props.canWrite}>
                      <th scope="col">
                        <span class="visually-hidden">Actions</span>
                      </th>
                    </Show>
                  </tr>
                </thead>
                <tbody>
                  <For each={members()}>
                    {(m) => (
                      <tr aria-label={m.name || m.email}>
                        <td data-label="Member">
                          {m.name || m.email} <span class="muted">{m.name ? m.email : ""}</span>
                        </td>
                        <td data-label="Role in the project">{projectRoleLabel[m.role]}</td>
                        <td data-label="Organization role">{roleLabel[m.orgRole]}</td>
                        <Show when={props.canWrite}>
                          <td data-label="">
                            <button
                              type="button"
                              class="button danger-outline small"
                              aria-label={`Take ${m.name || m.email} out of ${props.project.name}`}
                              disabled={removing() === m.userId}
                              onClick={() => void takeOut(m.userId, m.name || m.email)}
                            >
                              Take out
                            </button>
                          </td>
                        </Show>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
              <Show when={nextCursor()}>
                <button type="button" class="button secondary small" disabled={more().loading} onClick={() => void showMore()}>
                  {more().loading ? "Loading…" : "Show more members"}
                </button>
              </Show>
            </Show>
          )}
        </Match>
      </Switch>
    </section>
  );
}
