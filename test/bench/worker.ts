/**
 * The Worker as the benchmarks serve it: everything worker/index.ts exports, plus routes that
 * exist only in this build (bundled from test/bench/wrangler.toml by stack.ts; the production
 * bundle, wrangler.toml → worker/index.ts, never contains this file).
 *
 *   POST /api/bench/noop/:orgId       THE CEILING. The platform hop of a command and nothing
 *                                     else: the body read (as on every /api/* route), no
 *                                     credential, no lookup, one RPC to the organization's
 *                                     room (`ping`, through the room's queue like a command,
 *                                     no storage, no database), a tiny JSON answer.
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
 *   POST /api/bench/fanout/:orgId     THE FAN-OUT FLOOR. The room sends one frame of a given
 *                                     size to every socket it holds, `at` stamped now, and
 *                                     nothing else (no command, no log, no filter): what
 *                                     the platform's own send costs, for commit-to-socket.
 *
 * `OrgRoom` here is the production class with three RPCs added (`ping`, `benchStats`, `benchFanout`), and
 * without the hourly invitation-mail budget; its behaviour is otherwise the production room's.
 */
import app from "../../worker/index.ts";
import { orgRoom } from "../../worker/org/room-client.ts";
import { OrgRoom as ProductionOrgRoom } from "../../worker/org/room.ts";
import { OrgMailBudget } from "../../worker/org/mail-budget.ts";
import { readCredential } from "../../worker/auth/credentials.ts";
import { orgAccess } from "../../worker/middleware/org-access.ts";
import { resolveInvitees } from "../../worker/routes/invitations/invitee.ts";
import type { Bindings } from "../../worker/env.ts";

export * from "../../worker/index.ts";

// The benchmarks send tens of thousands of invitations to one organization within the hour;
// they measure throughput, not the per-organization mail budget that would refuse them.
OrgMailBudget.perHour = Number.POSITIVE_INFINITY;

/** What the room answers to a ping: proof that it ran the task in its queue. */
export interface PingResult {
  orgId: string;
  /** Pings this instance has run, this one included: their order through the queue. */
  served: number;
}

export interface BenchRoomStats {
  transactions: number;
  commands: number;
  retried: number;
  commitMs: number;
  waiting: number;
  liveSeq: number;
}

/** The production room plus a read-only counter RPC and the fan-out floor, for the bench. */
export class OrgRoom extends ProductionOrgRoom {
  #pings = 0;

  /**
   * The cheapest call: through the queue and back, touching neither storage nor the
   * database. The no-op ceiling ("calls the room and does nothing", docs/performance.md).
   */
  async ping(orgId: string): Promise<PingResult> {
    return this.queue.run(() => ({ orgId, served: ++this.#pings }));
  }

  async benchStats(): Promise<BenchRoomStats> {
    return { ...this.queue.stats, waiting: this.queue.waiting, liveSeq: this.live.seq };
  }

  /**
   * One frame of `bytes` characters, shaped like a live message (so the bench reads it as
   * one event), to every socket of the room; answers how many sockets it went to.
   */
  async benchFanout(bytes: number): Promise<number> {
    const head = `{"seq":0,"type":"bench.floor","at":"${new Date().toISOString()}","data":"`;
    const frame = `${head}${"x".repeat(Math.max(0, bytes - head.length - 2))}"}`;
    const sockets = this.ctx.getWebSockets();
    for (const ws of sockets) ws.send(frame);
    return sockets.length;
  }
}

// Registered on the app itself, so they pass the same app-wide middleware as /api/* routes.
app.post("/api/bench/noop/:orgId", async (c) => {
  const orgId = c.req.param("orgId");
  return c.json(await benchRoom(c.env, orgId).ping(orgId), 200);
});

app.post("/api/bench/authorize/:org", readCredential, orgAccess("invitations:write"), (c) =>
  c.json({ orgId: c.var.org.id, actor: c.var.actor.type }, 200),
);

app.post("/api/bench/resolve", async (c) => {
  const email = c.req.query("email") ?? "nobody@example.com";
  const [resolved] = await resolveInvitees(c.env, [{ email }]);
  return c.json({ resolved: resolved instanceof Error ? null : resolved }, 200);
});

/** The room's stub (the production `orgRoom`), typed as this build's room with its bench RPCs. */
const benchRoom = (env: Bindings, orgId: string) => orgRoom(env, orgId) as unknown as DurableObjectStub<OrgRoom>;

app.get("/api/bench/stats/:orgId", async (c) => c.json(await benchRoom(c.env, c.req.param("orgId")).benchStats(), 200));

app.post("/api/bench/fanout/:orgId", async (c) => {
  const bytes = Math.min(64_000, Math.max(0, Number(c.req.query("bytes")) || 0));
  return c.json({ sockets: await benchRoom(c.env, c.req.param("orgId")).benchFanout(bytes) }, 200);
});

export default app;
