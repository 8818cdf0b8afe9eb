import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { orgRoom } from "../../worker/org/room-client.ts";
import type { OrgRoom } from "../../worker/org/room.ts";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("the organization room", () => {
  it("applies concurrent commands strictly one at a time, in arrival order, across awaits", async () => {
    const stub = orgRoom(env, "org_queue_order");
    const log = await runInDurableObject(stub, async (room: OrgRoom) => {
      const events: string[] = [];
      let running = 0;
      let overlaps = 0;
      const commands = Array.from({ length: 25 }, (_, i) =>
        room.queue.run(async () => {
          running++;
          if (running > 1) overlaps++;
          events.push(`start ${i}`);
          // Awaits of different lengths: without the queue, later commands would overtake.
          await sleep((25 - i) % 7);
          await fetch(`${env.DATABASE_URL}/v2`).catch(() => undefined);
          events.push(`end ${i}`);
          running--;
          return i;
        }),
      );
      const results = await Promise.all(commands);
      return { events, overlaps, results };
    });
    expect(log.overlaps).toBe(0);
    expect(log.results).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(log.events).toEqual(Array.from({ length: 25 }, (_, i) => [`start ${i}`, `end ${i}`]).flat());
  });

  it("keeps going after a command fails", async () => {
    const stub = orgRoom(env, "org_queue_failure");
    const outcome = await runInDurableObject(stub, async (room: OrgRoom) => {
      const failed = room.queue.run(async () => {
        await sleep(2);
        throw new Error("boom");
      });
      const next = room.queue.run(() => "next ran");
      return Promise.all([failed.then(() => "resolved", (e: Error) => e.message), next]);
    });
    expect(outcome).toEqual(["boom", "next ran"]);
  });
});
