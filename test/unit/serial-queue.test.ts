import { describe, expect, it } from "vitest";
import { SerialQueue } from "../../worker/org/serial-queue.ts";

describe("SerialQueue", () => {
  it("starts each task only after the previous one settled", async () => {
    const queue = new SerialQueue();
    const order: string[] = [];
    const slow = queue.run(async () => {
      order.push("slow start");
      await new Promise((r) => setTimeout(r, 20));
      order.push("slow end");
    });
    const fast = queue.run(() => {
      order.push("fast");
    });
    expect(queue.pending).toBe(2);
    await Promise.all([slow, fast]);
    expect(order).toEqual(["slow start", "slow end", "fast"]);
    expect(queue.pending).toBe(0);
  });

  it("passes results and errors to the caller without stalling the queue", async () => {
    const queue = new SerialQueue();
    const failing = queue.run(() => Promise.reject(new Error("nope")));
    const after = queue.run(() => 42);
    await expect(failing).rejects.toThrow("nope");
    await expect(after).resolves.toBe(42);
  });
});
