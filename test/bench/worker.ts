/**
 * The Worker as the benchmarks serve it: everything worker/index.ts exports, plus routes that
 * exist only in this build (bundled from test/bench/wrangler.toml by stack.ts; the production
 * bundle, wrangler.toml → worker/index.ts, never contains this file).
 *
 *   POST /api/bench/noop/:orgId       THE CEILING. The platform hop of a command and nothing
 *                                     else: no credential, no lookup, one RPC to the
 *                                     organization's room (`ping`, which goes through the
 *                                     room's queue like a command), a tiny JSON answer.
 *
 * Diagnostic routes (test/bench/room.ts uses them to split an invitation's cost; each is
 * production code composed differently, nothing new):
 *
 *   POST /api/bench/authorize/:org    the credential middleware + `orgAccess` (slug → id from
 *                                     the isolate cache, the room's `authorize` RPC): the
 *                                     first of the invitation route's two hops.
 *   POST /api/bench/resolve           `resolveInvitees` for one email: the Worker's database
 *                                     read that precedes every invitation.
 *   GET  /api/bench/stats/:orgId      the room's group-commit counters (`queue.stats`).
 *
 * `OrgRoom` here is the production class with one read-only RPC added (`benchStats`), and
 * without the hourly invitation-mail budget; its behaviour is otherwise the production room's.
 */
import app from "../../worker/index.ts";
import { OrgRoom as ProductionOrgRoom, orgRoom } from "../../worker/org/room.ts";
import { readCredential } from "../../worker/auth/credentials.ts";
import { orgAccess } from "../../worker/auth/org-access.ts";
import { resolveInvitees } from "../../worker/routes/invitations/invitee.ts";

export * from "../../worker/index.ts";

// The benchmarks send tens of thousands of invitations to one organization within the hour;
// they measure throughput, not the per-organization mail budget that would refuse them.
ProductionOrgRoom.mailPerHour = Number.POSITIVE_INFINITY;

export interface BenchRoomStats {
  transactions: number;
  commands: number;
  retried: number;
  commitMs: number;
  waiting: number;
  liveSeq: number;
}

/** The production room plus a read-only counter RPC for the bench. */
export class OrgRoom extends ProductionOrgRoom {
  async benchStats(): Promise<BenchRoomStats> {
    return { ...this.queue.stats, waiting: this.queue.waiting, liveSeq: this.live.seq };
  }
}

// Registered on the app itself, so they pass the same app-wide middleware as /api/* routes.
app.post("/api/bench/noop/:orgId", async (c) => {
  const orgId = c.req.param("orgId");
  return c.json(await orgRoom(c.env, orgId).ping(orgId), 200);
});

app.post("/api/bench/authorize/:org", readCredential, orgAccess("invitations:write"), (c) =>
  c.json({ orgId: c.var.org.id, actor: c.var.actor.type }, 200),
);

app.post("/api/bench/resolve", async (c) => {
  const email = c.req.query("email") ?? "nobody@example.com";
  const [resolved] = await resolveInvitees(c.env, [{ email }]);
  return c.json({ resolved: resolved instanceof Error ? null : resolved }, 200);
});

app.get("/api/bench/stats/:orgId", async (c) => {
  const orgId = c.req.param("orgId");
  const stub = c.env.ORG_ROOM.get(c.env.ORG_ROOM.idFromName(orgId)) as unknown as DurableObjectStub<OrgRoom>;
  return c.json(await stub.benchStats(), 200);
});

export default app;
