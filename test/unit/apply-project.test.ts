import { describe, expect, it } from "vitest";
import { applyEvent } from "../../web/src/live/apply-event.ts";
import { applyToProjects } from "../../web/src/live/apply-project.ts";
import { emptyOrgState, emptyProjectsList, type ProjectsList } from "../../web/src/live/state.ts";
import type { LiveEvent, ProjectChangedData, ProjectView } from "../../worker/views/index.ts";

const project = (id: string, name: string, visibility: ProjectView["visibility"] = "public"): ProjectView => ({
  id,
  name,
  visibility,
  personalUserId: null,
  createdBy: "usr_ada",
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
});
const changed = (seq: number, data: ProjectChangedData): LiveEvent => ({ seq, type: "project.changed", at: "2026-01-01T00:00:00.000Z", data });
const loaded = (items: ProjectView[]): ProjectsList => ({ ...emptyProjectsList(), items, loaded: true });

describe("project.changed on the projects list", () => {
  it("puts a new or renamed project in place by name, ignoring case", () => {
    const list = loaded([project("p1", "alpha"), project("p3", "Gamma")]);
    const added = applyToProjects(list, changed(1, { project: project("p2", "Beta") }));
    expect(added.items.map((p) => p.name)).toEqual(["alpha", "Beta", "Gamma"]);
    const renamed = applyToProjects(added, changed(2, { project: project("p1", "Zeta") }));
    expect(renamed.items.map((p) => p.id)).toEqual(["p2", "p3", "p1"]);
    expect(renamed.assignments).toBe(0);
  });

  it("takes a deleted project out, and leaves the list as it was for one it did not show", () => {
    const list = loaded([project("p1", "Alpha")]);
    expect(applyToProjects(list, changed(1, { project: { id: "p1", deleted: true } })).items).toEqual([]);
    expect(applyToProjects(list, changed(1, { project: { id: "p9", deleted: true } }))).toBe(list);
  });

  it("moves `assignments` when members' roles changed, so views of them read again", () => {
    const list = loaded([project("p1", "Alpha")]);
    const next = applyToProjects(list, changed(1, { project: project("p1", "Alpha"), userIds: ["usr_bob"] }));
    expect(next.assignments).toBe(1);
  });

  it("changes nothing before the list was read, nor for other events", () => {
    const unread = emptyProjectsList();
    expect(applyToProjects(unread, changed(1, { project: project("p1", "Alpha") }))).toBe(unread);
    const list = loaded([project("p1", "Alpha")]);
    expect(applyToProjects(list, { seq: 1, type: "member.removed", at: "2026-01-01T00:00:00.000Z", data: { userId: "usr_bob" } })).toBe(list);
  });

  it("is part of applyEvent: other parts of the state keep their identity", () => {
    const state = { ...emptyOrgState(), projects: loaded([]) };
    const next = applyEvent(state, changed(1, { project: project("p1", "Alpha") }));
    expect(next.projects.items.map((p) => p.id)).toEqual(["p1"]);
    expect(next.members).toBe(state.members);
    expect(next.invitations).toBe(state.invitations);
  });
});
