import { describe, expect, it } from "vitest";
import type { EvqEngine } from "../helpers/evqueue-engine.js";
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

describe("a cluster's subscription without a node", () => {
  type Seen = { node: string | null; externalId: number; objectId: string };
  const EVENT = "INSTANCE_TERMINATED";

  /** Two engines, an events cluster over them with what its eventCallback heard, both READY. */
  async function setUp() {
    const e1 = await bed.engine({ node: "e1" });
    const e2 = await bed.engine({ node: "e2" });
    const seen: Seen[] = [];
    const cluster = bed.cluster([e1.url, e2.url], (_doc, info) => seen.push({ node: info.node, externalId: info.externalId, objectId: info.objectId }));
    await waitUntil(() => cluster.GetStates().every((s) => s === "READY"), 5000, "both nodes READY");
    return { e1, e2, seen, cluster };
  }
  /** The subscribe frames an engine received: "<external id> <send_now>". */
  const subscribes = (e: EvqEngine) => e.received.filter((r) => r.frame.attributes["action"] === "subscribe").map((r) => `${r.frame.attributes["external_id"]} ${r.frame.attributes["send_now"]}`);
  const held = (e: EvqEngine) => e.subscriptions.map((s) => s.externalId);
  /**
   * Waits until `engine` holds a subscription named to it (external id `marker`), made after what is
   * being checked: a frame sent before it on the same connection has arrived by then.
   */
  async function settled(cluster: ReturnType<typeof bed.cluster>, engine: EvqEngine, marker: number) {
    await cluster.Subscribe("INSTANCE_STARTED", { ...LIST, node: engine.node }, false, 0, marker);
    await waitUntil(() => held(engine).includes(marker), 5000, `the marker subscription on ${engine.node}`);
  }

  it("lives on the first node up, moves with send_now to the next node up when that node fails, and stays there when it returns", async () => {
    const { e1, e2, seen, cluster } = await setUp();
    await cluster.Subscribe(EVENT, LIST, false, 0, 7);
    await waitUntil(() => held(e1).length === 1, 5000, "the subscription on e1");
    expect(held(e2)).toEqual([]);

    await e1.kill();
    await waitUntil(() => held(e2).includes(7), 5000, "the subscription moved to e2");
    expect(subscribes(e2)).toEqual(["7 yes"]);
    await waitUntil(() => seen.length === 1, 5000, "the send_now answer from e2");
    expect(seen[0]).toEqual({ node: "e2", externalId: 7, objectId: "0" });
    expect(e2.raise(EVENT, 5)).toBe(1);
    await waitUntil(() => seen.length === 2, 5000, "e2's event");
    expect(seen[1]).toEqual({ node: "e2", externalId: 7, objectId: "5" });

    // e1 comes back: the subscription stays on e2 and is not sent to e1 again.
    await e1.restart();
    await waitUntil(() => cluster.GetStates()[0] === "READY", 5000, "e1 READY again");
    await settled(cluster, e1, 100);
    expect(held(e1)).toEqual([100]);
    expect(subscribes(e1)).toEqual(["7 no", "100 no"]);

    // e2 fails in turn: it moves to e1, the next node up.
    await e2.kill();
    await waitUntil(() => held(e1).includes(7), 5000, "the subscription back on e1");
    expect(subscribes(e1)).toEqual(["7 no", "100 no", "7 yes"]);
    await waitUntil(() => seen.length === 3, 5000, "the send_now answer from e1");
    expect(seen[2]).toEqual({ node: "e1", externalId: 7, objectId: "0" });
  });

  it("waits while no node is up and goes to the first node READY again", async () => {
    const { e1, e2, cluster } = await setUp();
    await cluster.Subscribe(EVENT, LIST, true, 0, 7);
    await waitUntil(() => held(e1).length === 1, 5000, "the subscription on e1");
    await e2.kill();
    await waitUntil(() => cluster.GetStates()[1] === "ERROR", 5000, "e2 down");
    await e1.kill();
    await waitUntil(() => cluster.GetStates()[0] === "ERROR", 5000, "e1 down");
    await e2.restart();
    await waitUntil(() => held(e2).includes(7), 5000, "the subscription on e2, READY first");
    expect(subscribes(e2)).toEqual(["7 yes"]);
    await e1.restart();
    await waitUntil(() => cluster.GetStates()[0] === "READY", 5000, "e1 READY again");
    await settled(cluster, e1, 100);
    expect(subscribes(e1)).toEqual(["7 yes", "100 no"]);
  });

  it("is found by Unsubscribe and UnsubscribeAll on the node it moved to, and does not come back", async () => {
    const { e1, e2, cluster } = await setUp();
    await cluster.Subscribe(EVENT, LIST, false, 0, 7);
    await cluster.Subscribe(EVENT, LIST, false, 0, 8);
    await waitUntil(() => held(e1).length === 2, 5000, "both on e1");
    await e1.kill();
    await waitUntil(() => held(e2).length === 2, 5000, "both moved to e2");
    await cluster.Unsubscribe(EVENT, 7);
    await waitUntil(() => held(e2).join() === "8", 5000, "7 gone from e2");
    await cluster.UnsubscribeAll();
    await waitUntil(() => held(e2).length === 0, 5000, "8 gone from e2");
    // Neither goes anywhere when e2 fails and e1 is back.
    await e1.restart();
    await waitUntil(() => cluster.GetStates()[0] === "READY", 5000, "e1 READY again");
    await e2.kill();
    await waitUntil(() => cluster.GetStates()[1] === "ERROR", 5000, "e2 down");
    await settled(cluster, e1, 100);
    expect(held(e1)).toEqual([100]);
  });
});
