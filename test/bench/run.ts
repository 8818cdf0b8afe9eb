/**
 * `npm run bench`: every benchmark, one after another (they share two cores), printed as
 * one JSON document. Targets are judged against ceilings measured in the same run.
 *
 *   npm run bench            # all
 *   npm run bench -- db      # only the named ones
 *   npm run bench -- room    # the Worker + room: no-op ceiling, invitations, bulk, live sockets
 *   npm run bench -- scale   # the room at 1k/10k/100k members and 100k pending invitations: start, heap, throughput beside a small organization
 *   npm run bench -- screen  # commit-to-screen in Chromium, and the dashboard's first-load sizes
 *   npm run bench -- screenshots  # not a bench: the README's PNGs into docs/screenshots/ (only when named)
 */
import { benchDatabase } from "./db.ts";
import { benchRoom } from "./room.ts";
import { benchScreen } from "./screen.ts";
import { benchMembers } from "./members.ts";
import { benchScale } from "./scale.ts";
import { takeScreenshots } from "./screenshots.ts";

const benches: Record<string, () => Promise<Record<string, unknown>>> = {
  db: benchDatabase,
  room: benchRoom,
  screen: benchScreen,
  members: benchMembers,
  scale: benchScale,
  screenshots: takeScreenshots,
};
/** Run only when named: they write files rather than measure. */
const onlyWhenNamed = new Set(["screenshots"]);

const only = process.argv.slice(2);
const results: Record<string, unknown> = {
  machine: { node: process.version, cpus: (await import("node:os")).cpus().length, at: new Date().toISOString() },
};
for (const [name, run] of Object.entries(benches)) {
  if (only.length > 0 ? !only.includes(name) : onlyWhenNamed.has(name)) continue;
  console.error(`[bench] ${name}…`);
  results[name] = await run();
}
console.log(JSON.stringify(results, null, 2));
