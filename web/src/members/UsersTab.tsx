import { batch, createEffect, createMemo, createResource, createSignal, createUniqueId, For, on, Show } from "solid-js";
import { roles, type Role } from "../../../worker/domain/roles.ts";
import type { MemberPageView, MemberView } from "../../../worker/views/index.ts";
import { api } from "../api.ts";
import type { MemberQuery } from "../live/state.ts";
import { roleLabel } from "../model.ts";
import { useMembers, useOrg } from "../stores/org-session.ts";
import { membersUrl } from "../stores/members.ts";
import { MemberDialogs, plural, type MemberDialogState } from "./MemberDialogs.tsx";
import { MenuButton, type MenuItem } from "./Menu.tsx";
import { Avatar, debounced, ListStatus, Pager, useNow, When } from "./parts.tsx";
import { displayName, hasAnyAction, joinedLabel, memberActions, type Looker, type MemberActions } from "./rules.ts";
import { MemberProjectsCell, ProjectDialogs, useMemberProjects, type ProjectDialogState } from "../projects/MemberProjects.tsx";

/** The sort orders offered, as one choice each. */
const orders: Array<{ value: string; label: string; sort: MemberQuery["sort"]; order: MemberQuery["order"] }> = [
  { value: "name-asc", label: "Name, A to Z", sort: "name", order: "asc" },
  { value: "name-desc", label: "Name, Z to A", sort: "name", order: "desc" },
  { value: "email-asc", label: "Email, A to Z", sort: "email", order: "asc" },
  { value: "email-desc", label: "Email, Z to A", sort: "email", order: "desc" },
];

/**
 * The Users tab: the organization's members a page at a time (search, role filter and order
 * are the server's), each row's menu offering what the viewer's role allows, and bulk removal
 * of the rows selected on the page.
 */
export function UsersTab() {
  const org = useOrg();
  const members = useMembers();
  const now = useNow();
  const searchId = createUniqueId();
  const page = () => members.page();
  const query = () => page().query;
  const [search, setSearch] = createSignal(query().q);
  const [selected, setSelected] = createSignal<ReadonlySet<string>>(new Set());
  const [dialog, setDialog] = createSignal<MemberDialogState | null>(null);
  const [projectDialog, setProjectDialog] = createSignal<ProjectDialogState | null>(null);
  const memberProjects = useMemberProjects(() => page().items.map((m) => m.userId));
  const looker = (): Looker | null => {
    const viewer = org.viewer();
    return viewer && !viewer.removed ? { userId: viewer.userId, role: viewer.role } : null;
  };

  // The last-owner rule needs the number of owners: read it (one count) when it may have changed.
  const [owners] = createResource(
    () => (looker()?.role === "owner" ? `${org.state.seats?.members}|${page().items.map((m) => m.role).join()}` : false),
    // A failed read leaves the rule to the API's answer (null), never the page's error boundary.
    async () => api<MemberPageView>(membersUrl(org.slug, { q: "", role: "owner", sort: "name", order: "asc" }, null, 1)).then((page) => page.total, () => null),
  );
  const actionsOf = (member: MemberView): MemberActions | null => {
    const viewer = looker();
    return viewer ? memberActions(viewer, member, owners.latest ?? null) : null;
  };

  const runSearch = debounced((q: string) => void members.setQuery({ q }), 250);
  const onSearch = (value: string) => {
    setSearch(value);
    runSearch(value.trim());
  };
  const setQuery = (change: Partial<MemberQuery>) => {
    runSearch.cancel();
    void members.setQuery({ q: search().trim(), ...change });
  };

  // A new page, query or list: the selection keeps only rows still on screen and selectable.
  createEffect(
    on(
      () => page().items,
      (items) => {
        const keep = new Set(items.filter((m) => actionsOf(m)?.select).map((m) => m.userId));
        setSelected((current) => new Set([...current].filter((id) => keep.has(id))));
      },
    ),
  );
  const selectable = createMemo(() => page().items.filter((m) => actionsOf(m)?.select));
  const selectedMembers = () => page().items.filter((m) => selected().has(m.userId));
  const toggle = (userId: string, on: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      if (on) next.add(userId);
      else next.delete(userId);
      return next;
    });
  const allSelected = () => selectable().length > 0 && selectable().every((m) => selected().has(m.userId));
  const someSelected = () => selected().size > 0 && !allSelected();

  const menuItems = (member: MemberView, actions: MemberActions): MenuItem[] => {
    const items: MenuItem[] = [];
    if (actions.roles.length > 0 || actions.title) {
      items.push({ label: actions.roles.length > 0 ? "Edit role and title…" : "Edit title…", onSelect: () => setDialog({ kind: "edit", member, roles: actions.roles, title: actions.title }) });
    }
    if (actions.transfer) items.push({ label: "Transfer ownership…", onSelect: () => setDialog({ kind: "transfer", member }) });
    if (actions.remove) items.push({ label: actions.self ? "Leave organization…" : "Remove from organization…", danger: true, onSelect: () => setDialog({ kind: "remove", member, self: actions.self }) });
    return items;
  };

  const sortHeader = (sort: MemberQuery["sort"]) => (query().sort === sort ? (query().order === "asc" ? "ascending" : "descending") : "none");
  const flipSort = (sort: MemberQuery["sort"]) => setQuery({ sort, order: query().sort === sort && query().order === "asc" ? "desc" : "asc" });

  return (
    <div class="users-tab">
      <div class="toolbar" role="search" aria-label="Members">
        <div class="field grow">
          <label for={searchId}>Search members</label>
          <input
            id={searchId}
            type="search"
            placeholder="Name, username, email or title"
            autocomplete="off"
            value={search()}
            onInput={(e) => onSearch(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape" && search() !== "") {
                e.preventDefault();
                batch(() => setSearch(""));
                setQuery({ q: "" });
              }
            }}
          />
        </div>
        <div class="field">
          <label for={`${searchId}-role`}>Role</label>
          <select id={`${searchId}-role`} value={query().role ?? ""} onChange={(e) => setQuery({ role: (e.currentTarget.value || null) as Role | null })}>
            <option value="">All roles</option>
            <For each={roles}>{(r) => <option value={r}>{roleLabel[r]}</option>}</For>
          </select>
        </div>
        <div class="field">
          <label for={`${searchId}-sort`}>Sort by</label>
          <select
            id={`${searchId}-sort`}
            value={`${query().sort}-${query().order}`}
            onChange={(e) => {
              const chosen = orders.find((o) => o.value === e.currentTarget.value);
              if (chosen) setQuery({ sort: chosen.sort, order: chosen.order });
            }}
          >
            <For each={orders}>{(o) => <option value={o.value}>{o.label}</option>}</For>
          </select>
        </div>
        <div class="field narrow">
          <label for={`${searchId}-size`}>Per page</label>
          <select id={`${searchId}-size`} value={String(page().limit)} onChange={(e) => void members.setLimit(Number(e.currentTarget.value))}>
            <For each={[10, 25, 50, 100]}>{(n) => <option value={String(n)}>{n}</option>}</For>
          </select>
        </div>
      </div>

      <Show when={selected().size > 0}>
        <div class="bulk-bar" role="region" aria-label="Selected members">
          <span>{plural(selected().size, "member")} selected</span>
          <Show when={org.can("projects:write")}>
            <button type="button" class="button secondary small" onClick={() => setProjectDialog({ kind: "assign", members: selectedMembers() })}>
              Assign to project…
            </button>
          </Show>
          <button type="button" class="button danger small" onClick={() => setDialog({ kind: "bulk-remove", members: selectedMembers() })}>
            Remove selected…
          </button>
          <button type="button" class="button ghost small" onClick={() => setSelected(new Set<string>())}>
            Clear selection
          </button>
        </div>
      </Show>

      <ListStatus what="members" error={members.error()} loaded={page().loaded} retry={() => void members.refresh()} />

      <Show when={page().loaded}>
        <div class="table-scroll" tabindex="0" role="region" aria-label="Members table">
          <table class="roster-table members-table" aria-label="Members" aria-busy={members.loading()} role="table">
            <thead role="rowgroup">
              <tr role="row">
                <th scope="col" role="columnheader" class="check">
                  <Show when={selectable().length > 0}>
                    <input
                      type="checkbox"
                      aria-label="Select every removable member on this page"
                      checked={allSelected()}
                      ref={(el) => createEffect(() => (el.indeterminate = someSelected()))}
                      onChange={(e) => setSelected(new Set(e.currentTarget.checked ? selectable().map((m) => m.userId) : []))}
                    />
                  </Show>
                </th>
                <th scope="col" role="columnheader" aria-sort={sortHeader("name")}>
                  <button type="button" class="sort" onClick={() => flipSort("name")}>
                    Name <SortMark state={sortHeader("name")} />
                  </button>{" "}
                  <span class="th-sub">and username</span>
                </th>
                <th scope="col" role="columnheader" aria-sort={sortHeader("email")}>
                  <button type="button" class="sort" onClick={() => flipSort("email")}>
                    Email <SortMark state={sortHeader("email")} />
                  </button>
                </th>
                <th scope="col" role="columnheader">Role</th>
                <th scope="col" role="columnheader">Title</th>
                <th scope="col" role="columnheader">Projects</th>
                <th scope="col" role="columnheader">Joined</th>
                <th scope="col" role="columnheader">Status</th>
                <th scope="col" role="columnheader">Last connection</th>
                <th scope="col" role="columnheader">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody role="rowgroup">
              <For
                each={page().items}
                fallback={
                  <tr role="row" class="empty">
                    <td role="cell" colSpan={10}>
                      <Show when={query().q || query().role} fallback="No members yet.">
                        No members match{query().q ? ` “${query().q}”` : ""}
                        {query().role ? ` with the role ${roleLabel[query().role as Role]}` : ""}.{" "}
                        <button type="button" class="button ghost small" onClick={() => (setSearch(""), setQuery({ q: "", role: null }))}>
                          Clear filters
                        </button>
                      </Show>
                    </td>
                  </tr>
                }
              >
                {(member) => {
                  const actions = () => actionsOf(member);
                  return (
                    <tr role="row" classList={{ selected: selected().has(member.userId) }}>
                      <td role="cell" class="check" data-label="">
                        <input
                          type="checkbox"
                          aria-label={`Select ${displayName(member)}`}
                          disabled={!actions()?.select}
                          title={actions()?.select ? undefined : member.role === "owner" ? "Owners cannot be removed in bulk" : "You cannot remove this member"}
                          checked={selected().has(member.userId)}
                          onChange={(e) => toggle(member.userId, e.currentTarget.checked)}
                        />
                      </td>
                      <td role="cell" data-label="Name">
                        <div class="who">
                          <Avatar name={displayName(member)} />
                          <span>
                            <span class="name">{displayName(member)}</span>
                            <Show when={actions()?.self}>
                              {" "}
                              <span class="tag">You</span>
                            </Show>
                            <Show when={member.username}>
                              <span class="sub username">
                                <span class="visually-hidden">Username: </span>@{member.username}
                              </span>
                            </Show>
                          </span>
                        </div>
                      </td>
                      <td role="cell" class="email" data-label="Email">
                        <Email address={member.email} />
                      </td>
                      <td role="cell" data-label="Role">
                        <span class={`role role-${member.role}`}>{roleLabel[member.role]}</span>
                      </td>
                      <td role="cell" data-label="Title">
                        {member.title || <span class="muted">—</span>}
                      </td>
                      <td role="cell" data-label="Projects">
                        <MemberProjectsCell member={member} projects={memberProjects.of(member.userId)} edit={org.can("projects:write") ? () => setProjectDialog({ kind: "member", member }) : undefined} />
                      </td>
                      <td role="cell" data-label="Joined">
                        <span class="joined">
                          {member.joinedVia === "link" && member.linkTag ? `Joined by link, ${member.linkTag}` : joinedLabel[member.joinedVia]} <span class="sub"><When at={member.joinedAt} now={now()} /></span>
                        </span>
                      </td>
                      <td role="cell" data-label="Status">
                        <span class="status" classList={{ ok: member.status === "active" }}>
                          {member.status === "active" ? "Active" : "Never signed in"}
                        </span>
                      </td>
                      <td role="cell" class="nowrap" data-label="Last connection">
                        <When at={member.lastActiveAt} now={now()} />
                      </td>
                      <td role="cell" class="row-actions" data-label="">
                        <Show when={actions()} keyed>
                          {(a) => (
                            <Show when={hasAnyAction(a)}>
                              <MenuButton label={`Actions for ${displayName(member)}`} items={menuItems(member, a)}>
                                <span aria-hidden="true">⋯</span>
                              </MenuButton>
                            </Show>
                          )}
                        </Show>
                      </td>
                    </tr>
                  );
                }}
              </For>
            </tbody>
          </table>
        </div>
        <Pager
          label="Members"
          index={page().index}
          limit={page().limit}
          shown={page().items.length}
          total={page().total}
          totalExact={page().totalExact}
          hasNext={page().nextCursor !== null}
          busy={members.loading()}
          previous={() => void members.previous()}
          next={() => void members.next()}
        />
      </Show>

      <ProjectDialogs
        slug={org.slug}
        state={projectDialog()}
        close={() => setProjectDialog(null)}
        assigned={() => {
          setSelected(new Set<string>());
          setProjectDialog(null);
          memberProjects.refresh();
        }}
        saved={() => memberProjects.refresh()}
      />
      <MemberDialogs
        slug={org.slug}
        orgName={org.state.org?.name ?? org.slug}
        state={dialog()}
        close={() => setDialog(null)}
        show={(next) => {
          setSelected(new Set<string>());
          setDialog(next);
        }}
      />
    </div>
  );
}

/** An address that breaks before its `@` when it must. */
function Email(props: { address: string }) {
  const at = () => props.address.indexOf("@");
  return (
    <>
      {props.address.slice(0, Math.max(at(), 0))}
      <wbr />
      {props.address.slice(Math.max(at(), 0))}
    </>
  );
}

function SortMark(props: { state: "ascending" | "descending" | "none" }) {
  return (
    <span class="sort-mark" aria-hidden="true">
      {props.state === "ascending" ? "▲" : props.state === "descending" ? "▼" : "↕"}
    </span>
  );
}
