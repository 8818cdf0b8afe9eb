/**
 * Diagnosis for the room benchmark (not part of `npm run bench`): where an invitation's cost
 * goes. `node test/bench/room-profile.ts` starts the bench stack UNMINIFIED, with workerd's
 * inspector open and a counting proxy in front of the database, then for the no-op and for
 * single invitations at 64 clients:
 *
 *   - counts the Worker's database requests per command, by kind (execute / batch, first
 *     statement), through the proxy;
 *   - takes a V8 CPU profile of the Worker's isolate (Worker and rooms share it) and sums
 *     self time by original source (via the bundle's source map): package or worker/ file.
 *
 * Figures are per request. The proxy and the profiler cost CPU themselves: read shares and
 * counts here, throughput in room.ts.
 */
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SourceMap } from "node:module";
import { startBenchStack, type BenchStack } from "./stack.ts";
import { openSockets } from "./room.ts";
import { freePort, Inspector } from "./inspector.ts";

const WINDOW_MS = Number(process.env.BENCH_PROFILE_MS ?? 3_000);
const CLIENTS = 64;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

/** Self time by original source (package or worker/ file), in µs per request. */
function attribute(profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }, map: SourceMap | undefined, requests: number) {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const sourceOf = (node: ProfileNode): string => {
    const { url, lineNumber, columnNumber, functionName } = node.callFrame;
    if (!url) return functionName ? `(${functionName.replace(/[()]/g, "")})` : "(native)";
    const entry = map?.findEntry(lineNumber, columnNumber) as { originalSource?: string } | undefined;
    const source = entry?.originalSource ?? url;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)?.[1];
    if (pkg) return pkg;
    const own = /(worker\/.*|db\/.*|test\/bench\/.*)$/.exec(source)?.[1];
    return own ?? source.split("/").slice(-2).join("/");
  };
  const self = new Map<string, number>();
  const fns = new Map<string, number>();
  const cache = new Map<number, string>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byNode.get(id);
    if (!node) return;
    const delta = profile.timeDeltas[i] ?? 0;
    let label = cache.get(id);
    if (!label) {
      label = sourceOf(node);
      cache.set(id, label);
    }
    if (label === "(idle)") return;
    total += delta;
    self.set(label, (self.get(label) ?? 0) + delta);
    const entry = node.callFrame.url ? (map?.findEntry(node.callFrame.lineNumber, node.callFrame.columnNumber) as { originalLine?: number } | undefined) : undefined;
    const fn = `${node.callFrame.functionName || "(anonymous)"} @ ${label}${entry?.originalLine !== undefined ? `:${entry.originalLine + 1}` : ""}`;
    fns.set(fn, (fns.get(fn) ?? 0) + delta);
  });
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]);
  return {
    busy_us_per_req: Math.round(total / requests),
    self_us_per_req_by_source: Object.fromEntries(rows.slice(0, 25).map(([k, v]) => [k, Math.round(v / requests)])),
    self_us_per_req_top_functions: Object.fromEntries(
      [...fns.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => [k, Math.round(v / requests)]),
    ),
  };
}

let issued = 0;

async function drive(stack: BenchStack, clients: number, op: (i: number) => Promise<number>): Promise<{ ok: number; other: number; statuses: Record<string, number> }> {
  let ok = 0;
  let other = 0;
  const statuses: Record<string, number> = {};
  const stopAt = issued + 50_000;
  const end = performance.now() + WINDOW_MS;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end && issued < stopAt) {
        const status = await op(issued++).catch(() => 0);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status >= 200 && status < 300) ok++;
        else other++;
      }
    }),
  );
  void stack;
  return { ok, other, statuses };
}

function diff(after: Record<string, number>, before: Record<string, number>, per: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d > 0) out[k] = Math.round((d / per) * 1000) / 1000;
  }
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}

export async function profileRoom(): Promise<Record<string, unknown>> {
  const inspectorPort = await freePort();
  const stack = await startBenchStack({ minify: false, inspectorPort, countDatabaseRequests: true });
  let inspector: Inspector | undefined;
  try {
    const map = (() => {
      try {
        return new SourceMap(JSON.parse(readFileSync(`${stack.bundlePath}.map`, "utf8")));
      } catch {
        return undefined;
      }
    })();
    const headers = (extra: Record<string, string> = {}) => ({ origin: stack.appUrl, "content-type": "application/json", "cf-connecting-ip": "192.0.2.9", ...extra });
    const post = (path: string, body: unknown, extra: Record<string, string> = {}) =>
      fetch(`${stack.url}${path}`, { method: "POST", headers: headers(extra), body: JSON.stringify(body) });
    // Sign in and make an organization (as room.ts does).
    const tag = Date.now().toString(36);
    const email = `prof.${tag}@bench.example.com`;
    await post("/api/v1/auth/magic-link", { email });
    const mailbox = (await (await fetch(`${stack.url}/api/v1/dev/mailbox?to=${encodeURIComponent(email)}`)).json()) as { messages: Array<{ text: string }> };
    const token = decodeURIComponent(/token=([A-Za-z0-9_%-]+)/.exec(mailbox.messages[0]?.text ?? "")?.[1] ?? "");
    const session = await post("/api/v1/auth/session", { token });
    const cookie = (session.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const slug = `prof-${tag}`;
    const created = (await (await post("/api/v1/orgs", { name: "Profile", slug }, { cookie })).json()) as { org: { id: string } };
    const orgId = created.org.id;
    await fetch(`${stack.url}/api/v1/orgs/${slug}`, { method: "PATCH", headers: headers({ cookie }), body: JSON.stringify({ seatLimit: 100_000 }) });
    await post(`/api/v1/orgs/${slug}/invitations`, { invitee: `warm.${tag}@bench.example.com` }, { cookie });

    if (process.env.BENCH_PROFILE_DIR) copyFileSync(`${stack.bundlePath}.map`, join(process.env.BENCH_PROFILE_DIR, "bundle.js.map"));
    inspector = await Inspector.connect(inspectorPort, (t) => /roster-bench/.test(`${t.title} ${t.url}`));
    await inspector.send("Profiler.enable");
    await inspector.send("Profiler.setSamplingInterval", { interval: 200 });

    const results: Record<string, unknown> = {};
    const cases: Array<[string, (i: number) => Promise<number>]> = [
      // The same requests as the invitations (as room.ts sends the no-op).
      ["noop", (i) => post(`/api/bench/noop/${orgId}`, { invitee: `n${i}.${tag}@bench.example.com` }, { cookie }).then(async (r) => (await r.arrayBuffer(), r.status))],
      ["invitation", (i) => post(`/api/v1/orgs/${slug}/invitations`, { invitee: `p${i}.${tag}@bench.example.com` }, { cookie }).then(async (r) => (await r.arrayBuffer(), r.status))],
    ];
    for (const [name, op] of cases) {
      await drive(stack, CLIENTS, op); // warm-up window
      const before = { ...stack.databaseCounts };
      await inspector.send("Profiler.start");
      const done = await drive(stack, CLIENTS, op);
      const { profile } = await inspector.send<{ profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] } }>("Profiler.stop");
      if (process.env.BENCH_PROFILE_DIR) writeFileSync(join(process.env.BENCH_PROFILE_DIR, `${name}.cpuprofile`), JSON.stringify(profile));
      // Mail delivery and events finish after the answers: let them settle before counting.
      await new Promise((r) => setTimeout(r, 1500));
      results[name] = {
        requests_ok: done.ok,
        requests_failed: done.other,
        statuses: done.statuses,
        per_s_with_profiler_and_proxy: Math.round(done.ok / (WINDOW_MS / 1000)),
        database_requests_per_command: diff(stack.databaseCounts ?? {}, before, done.ok),
        cpu: attribute(profile, map, done.ok),
      };
    }
    if (process.env.BENCH_PROFILE_SKIP_FANOUT) return { clients: CLIENTS, window_ms: WINDOW_MS, ...results };
    // Fan-out: 1,000 live sockets, 20 invitations one after another, each waited for.
    let frames = 0;
    const { sockets } = await openSockets(stack, slug, cookie, 1000, 50, () => void frames++);
    try {
      await new Promise((r) => setTimeout(r, 500));
      const before = { ...stack.databaseCounts };
      await inspector.send("Profiler.start");
      const commands = 20;
      for (let i = 0; i < commands; i++) {
        const start = frames;
        await post(`/api/v1/orgs/${slug}/invitations`, { invitee: `fan${i}.${tag}@bench.example.com` }, { cookie }).then((r) => r.arrayBuffer());
        const deadline = performance.now() + 3000;
        // One message per socket per command (its events together), plus the ready frames first.
        while (frames - start < sockets.length && performance.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      }
      const { profile } = await inspector.send<{ profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] } }>("Profiler.stop");
      if (process.env.BENCH_PROFILE_DIR) writeFileSync(join(process.env.BENCH_PROFILE_DIR, "fanout.cpuprofile"), JSON.stringify(profile));
      results.fanout_1000_sockets_per_command = {
        sockets: sockets.length,
        commands,
        database_requests_per_command: diff(stack.databaseCounts ?? {}, before, commands),
        cpu: attribute(profile, map, commands),
      };
    } finally {
      for (const ws of sockets) ws.close();
    }
    return { clients: CLIENTS, window_ms: WINDOW_MS, note: "unminified bench build, inspector + counting proxy on: shares, not throughput", ...results };
  } finally {
    inspector?.close();
    await stack.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await profileRoom(), null, 2));
}
