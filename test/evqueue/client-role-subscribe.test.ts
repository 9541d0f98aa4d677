import { afterEach, expect, it } from "vitest";
import { EvqEngine } from "../helpers/evqueue-engine.js";
import { waitUntil } from "../helpers/runtime.js";
import { startDriver, statesBecome, type Driver } from "./cluster-driver.js";

// Where createCluster's subscriptions live: api.node left out on one node up (moving when it fails), "*" on every node.

let engines: EvqEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.map((e) => e.stop()));
  engines = [];
});

async function twoEngines(): Promise<{ e1: EvqEngine; e2: EvqEngine; d: Driver }> {
  const api = (q: { name: string }) => [{ name: "list", attributes: { of: q.name } }];
  const e1 = await EvqEngine.start({ node: "n1", api });
  const e2 = await EvqEngine.start({ node: "n2", api });
  engines.push(e1, e2);
  const d = await startDriver([e1.url, e2.url], {}, { outboundHosts: [`127.0.0.1:${e1.port}`, `127.0.0.1:${e2.port}`] });
  await statesBecome(d, "READY");
  return { e1, e2, d };
}

/** The event frames an engine received with this action. */
const frames = (e: EvqEngine, action: string) => e.received.filter((r) => r.mode === "events" && r.frame.attributes["action"] === action).map((r) => r.frame.attributes);
const eventsFrom = (d: Driver, node: string) => d.logged("EVENT").filter((ev) => (ev["info"] as { node: string }).node === node).map((ev) => ev["info"] as Record<string, unknown>);

it("subscribes on the first node only, moves to the next with send_now when that node fails, stays there when it returns, and unsubscribes where it lives", async () => {
  const { e1, e2, d } = await twoEngines();
  expect(await d.ask("Subscribe", "INSTANCE_STARTED", { group: "instances", action: "list" }, false, 0, 3)).toEqual({ ok: true, value: "(undefined)" });
  await waitUntil(() => e1.subscriptions.length === 1, 5000, "the subscription on n1");
  expect(frames(e1, "subscribe")).toEqual([expect.objectContaining({ type: "INSTANCE_STARTED", send_now: "no", external_id: "3" })]);
  // Each event once: from n1, none from n2 (which has no subscription and got no subscribe).
  e1.raise("INSTANCE_STARTED", 4);
  await waitUntil(() => eventsFrom(d, "n1").length === 1, 5000, "n1's event");
  expect(e2.connections("events")).toHaveLength(1);
  expect(e2.subscriptions).toHaveLength(0);
  expect(frames(e2, "subscribe")).toEqual([]);

  // n1 fails: the subscription moves to n2, asking for the current answer at once.
  await e1.kill();
  await waitUntil(() => e2.subscriptions.length === 1, 5000, "the subscription moved to n2");
  expect(frames(e2, "subscribe")).toEqual([expect.objectContaining({ type: "INSTANCE_STARTED", send_now: "yes", external_id: "3" })]);
  await waitUntil(() => eventsFrom(d, "n2").length === 1, 5000, "n2's send_now answer");
  expect(e2.raise("INSTANCE_STARTED", 5)).toBe(1);
  await waitUntil(() => eventsFrom(d, "n2").length === 2, 5000, "the event raised on n2");
  expect(eventsFrom(d, "n2")[1]).toEqual({ node: "n2", externalId: 3, objectId: "5", eventId: 2, type: "INSTANCE_STARTED" });
  expect(d.t.logs.lines.some((l) => /1 subscription of node n1 moved to node n2 \(n1 is ERROR: CONNECTION\)/.test(l.msg))).toBe(true);

  // n1 comes back: the subscription stays on n2.
  const before = e1.received.length;
  await e1.restart();
  await statesBecome(d, "READY");
  await waitUntil(() => e1.connections("events").length === 1, 5000, "n1's events socket back");
  // READY again means n1's events socket is READY: a round trip later, a subscribe sent to it then would have arrived.
  await d.ask("API", { group: "status", action: "query", node: "*" });
  expect(e1.received.slice(before).filter((r) => r.frame.attributes["action"] === "subscribe")).toEqual([]);
  expect(e1.subscriptions).toHaveLength(0);
  expect(e2.raise("INSTANCE_STARTED", 6)).toBe(1);
  await waitUntil(() => eventsFrom(d, "n2").length === 3, 5000, "n2's next event");

  // Unsubscribe reaches the node it moved to, and not the other one.
  expect(await d.ask("Unsubscribe", "INSTANCE_STARTED", 3)).toEqual({ ok: true, value: "(undefined)" });
  await waitUntil(() => e2.subscriptions.length === 0, 5000, "the unsubscribe on n2");
  expect(frames(e2, "unsubscribe")).toEqual([{ action: "unsubscribe", type: "INSTANCE_STARTED", external_id: "3" }]);
  expect(frames(e1, "unsubscribe")).toEqual([]);
});

it('subscribes on every node with node "*": each node\'s events arrive, and UnsubscribeAll reaches both', async () => {
  const { e1, e2, d } = await twoEngines();
  await d.ask("Subscribe", "INSTANCE_STARTED", { group: "instances", action: "list", node: "*" }, false, 0, 2);
  await waitUntil(() => e1.subscriptions.length === 1 && e2.subscriptions.length === 1, 5000, "the subscription on both nodes");
  e1.raise("INSTANCE_STARTED", 1);
  e2.raise("INSTANCE_STARTED", 1);
  await waitUntil(() => eventsFrom(d, "n1").length === 1 && eventsFrom(d, "n2").length === 1, 5000, "an event from each node");
  await d.ask("UnsubscribeAll");
  await waitUntil(() => e1.subscriptions.length === 0 && e2.subscriptions.length === 0, 5000, "unsubscribeall on both");
});

it("keeps a subscription made while no node is up, and sends it to the first node that becomes READY only", async () => {
  const { e1, e2, d } = await twoEngines();
  await e1.kill();
  await e2.kill();
  await statesBecome(d, "ERROR");
  // Queued: it resolves, and waits for a node.
  expect(await d.ask("Subscribe", "INSTANCE_STARTED", { group: "instances", action: "list" }, true, 0, 9)).toEqual({ ok: true, value: "(undefined)" });
  await e2.restart();
  await waitUntil(() => e2.subscriptions.length === 1, 10_000, "the subscription on n2, the first node back");
  expect(frames(e2, "subscribe")).toEqual([expect.objectContaining({ send_now: "yes", external_id: "9" })]);
  await waitUntil(() => eventsFrom(d, "n2").length === 1, 5000, "n2's send_now answer");
  await e1.restart();
  await statesBecome(d, "READY");
  await waitUntil(() => e1.connections("events").length === 1, 5000, "n1's events socket back");
  await d.ask("API", { group: "status", action: "query", node: "*" });
  expect(frames(e1, "subscribe")).toEqual([]);
});
