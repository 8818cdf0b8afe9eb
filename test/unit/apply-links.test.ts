import { describe, expect, it } from "vitest";
import type { LinkView, LiveEvent } from "../../worker/views/index.ts";
import { applyEvent } from "../../web/src/live/apply-event.ts";
import { applyToLinks, emptyLinksState, type LinksState } from "../../web/src/live/apply-links.ts";
import { emptyOrgState } from "../../web/src/live/state.ts";

const link = (kind: "new" | "existing", over: Partial<LinkView> = {}): LinkView => ({
  kind, enabled: false, generation: 1, tag: null, rotatedAt: null, url: `http://x/join/${kind}1`, ...over,
});
const loaded = (): LinksState => ({ items: [link("new"), link("existing")], loaded: true, stale: false });
const changed = (seq: number, data: Omit<LinkView, "url">): LiveEvent => ({ seq, type: "links.changed", at: "2026-12-03T00:00:00Z", data: { link: data } });

describe("links.changed in the dashboard's reducer", () => {
  it("applies an enabled switch in place, keeping the URL", () => {
    const next = applyToLinks(loaded(), changed(1, { kind: "new", enabled: true, generation: 1, tag: "2026-12-03", rotatedAt: "2026-12-03T00:00:00Z" }));
    expect(next.items[0]).toMatchObject({ enabled: true, tag: "2026-12-03", url: "http://x/join/new1" });
    expect(next.stale).toBe(false);
  });

  it("never shows a regenerated link's old URL: it is dropped and the links are read again", () => {
    const next = applyToLinks(loaded(), changed(1, { kind: "existing", enabled: true, generation: 2, tag: "2026-12-03", rotatedAt: "2026-12-03T00:00:00Z" }));
    expect(next.items[1]).toMatchObject({ generation: 2, url: "" });
    expect(next.stale).toBe(true);
  });

  it("leaves links not yet read, and other events, alone", () => {
    const empty = emptyLinksState();
    expect(applyToLinks(empty, changed(1, { kind: "new", enabled: true, generation: 1, tag: null, rotatedAt: null }))).toBe(empty);
    const state = loaded();
    expect(applyToLinks(state, { seq: 1, type: "member.removed", at: "", data: { userId: "u" } })).toBe(state);
  });

  it("is part of applyEvent", () => {
    const state = { ...emptyOrgState(), links: loaded() };
    const next = applyEvent(state, changed(1, { kind: "new", enabled: true, generation: 1, tag: "2026-12-03", rotatedAt: null }));
    expect(next.links.items[0]?.enabled).toBe(true);
    expect(next.members).toBe(state.members);
  });
});
