import { describe, expect, it } from "vitest";
import { waitUntil } from "../helpers/runtime.js";
import { deadUrl, evqTestBed } from "./browser-client-kit.js";

// Subscriptions of evQueueWS and evQueueCluster over their lifetime: withdrawn while still
// waiting to go out, and (cluster) a subscription without a node moving off a node that fails.

const bed = evqTestBed();
const LIST = { group: "instances", action: "list" } as const;

/** Collects the reasons of unhandled rejections while `body` runs, and a macrotask after it. */
async function unhandledRejections(body: () => Promise<void>): Promise<unknown[]> {
  const reasons: unknown[] = [];
  const listener = (reason: unknown) => reasons.push(reason);
  process.on("unhandledRejection", listener);
  try {
    await body();
    // Node reports a rejection nobody handled once the microtasks have run out.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off("unhandledRejection", listener);
  }
  return reasons;
}

describe("a Subscribe() that is withdrawn before it went out", () => {
  it("resolves on UnsubscribeAll() and Close() while the node reconnects, and nothing rejects unhandled", async () => {
    const url = await deadUrl();
    const reasons = await unhandledRejections(async () => {
      const node = bed.ws(url, { mode: "events" });
      const first = node.Subscribe("INSTANCE_STARTED", LIST, false, 0, 1);
      await waitUntil(() => node.GetLastError() === "CONNECTION", 5000, "the node reconnecting");
      await node.UnsubscribeAll();
      await expect(first).resolves.toBeUndefined();

      const second = node.Subscribe("INSTANCE_STARTED", LIST, false, 0, 2);
      // As evQueue's pages do: a Subscribe() nobody waits for.
      void node.Subscribe("INSTANCE_STARTED", LIST, false, 0, 3);
      node.Close();
      await expect(second).resolves.toBeUndefined();
    });
    expect(reasons).toEqual([]);
  });

  it('resolves a cluster\'s Subscribe() on "*" and without a node when the cluster is closed before its node is ready', async () => {
    const url = await bed.server();
    const reasons = await unhandledRejections(async () => {
      const cluster = bed.cluster([url], () => {});
      const all = cluster.Subscribe("INSTANCE_STARTED", { ...LIST, node: "*" }, false, 0, 1);
      const one = cluster.Subscribe("INSTANCE_STARTED", LIST, false, 0, 2);
      void cluster.Subscribe("INSTANCE_STARTED", LIST, false, 0, 3);
      cluster.Close();
      await expect(all).resolves.toBeUndefined();
      await expect(one).resolves.toBeUndefined();
    });
    expect(reasons).toEqual([]);
  });
});
