import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import type { EvqError } from "../../web/evqueue.js";
import type { NodeInput, XmlNode } from "../../src/protocols/evqueue/xml.js";
import { waitUntil } from "../helpers/runtime.js";
import { backoffRounds, countingWebSocket, deadUrl, evqTestBed } from "./browser-client-kit.js";

// evQueueCluster over two engine stand-ins: routing, failover, and a node's return.

const bed = evqTestBed();

type Root = { getAttribute(n: string): string | null };
const nodeOf = (doc: unknown) => (doc as { documentElement: Root }).documentElement.getAttribute("node");
const echo = (q: XmlNode): NodeInput[] => [{ name: "echo", attributes: { group: q.name } }];

async function twoEngines(options: { modules?: Record<string, string> } = {}) {
  return [await bed.engine({ node: "e1", api: echo, modules: options.modules }), await bed.engine({ node: "e2", api: echo })] as const;
}

describe("evQueueCluster in api mode", () => {
  it('answers node "*" with one Document per node and a named node from that node only', async () => {
    const [e1, e2] = await twoEngines();
    const cluster = bed.cluster([e1.url, e2.url]);
    // Right after construction: names are learnt from <ready>, so the named call waits for them.
    const named = await cluster.API({ group: "status", action: "query", node: "e2" });
    expect(nodeOf(named)).toBe("e2");
    expect(e1.received.filter((r) => r.frame.name === "status")).toHaveLength(0);
    const all = await cluster.API({ group: "status", action: "query", node: "*" });
    expect(all.map(nodeOf)).toEqual(["e1", "e2"]);
    expect(cluster.GetNodes()).toEqual(["e1", "e2"]);
    expect(cluster.GetStates()).toEqual(["READY", "READY"]);
    expect(cluster.GetNodeByName("e2")?.GetURL()).toBe(e2.url);
    expect(cluster.GetNodeByCnx(e1.url)?.GetNode()).toBe("e1");
    expect(cluster.GetUpNode()?.GetNode()).toBe("e1");
    await expect(cluster.API({ group: "status", action: "query", node: "e9" })).rejects.toThrow(/no node named "e9"; the nodes are "e1", "e2"/);
  });

  it("skips a node without a required module (its answer is undefined)", async () => {
    const [e1, e2] = await twoEngines({ modules: { git: "1.0" } });
    const cluster = bed.cluster([e1.url, e2.url]);
    const all = await cluster.API({ group: "git", action: "list", node: "*", required_modules: ["git"] });
    expect(nodeOf(all[0])).toBe("e1");
    expect(all[1]).toBeUndefined();
    expect(e2.received.filter((r) => r.frame.name === "git")).toHaveLength(0);
    expect(cluster.GetModules()).toEqual([[{ name: "git", version: "1.0" }], []]);
  });

  it("fails over to the next node when the first is down, and when the first cannot be reached at all", async () => {
    const [e1, e2] = await twoEngines();
    const cluster = bed.cluster([e1.url, e2.url]);
    expect(nodeOf(await cluster.API({ group: "instances", action: "list" }))).toBe("e1");
    await e1.kill();
    await waitUntil(() => cluster.GetStates()[0] === "ERROR", 5000, "e1 seen down");
    expect(nodeOf(await cluster.API({ group: "instances", action: "list" }))).toBe("e2");

    // A node that never answers: the command, queued there while it connected, goes on to the next.
    const other = bed.cluster([await deadUrl(), e2.url]);
    expect(nodeOf(await other.API({ group: "instances", action: "list" }))).toBe("e2");
  });

  it("gives up on a node that accepts but never greets after connectTimeoutMs, and the command goes on to the next", async () => {
    const silent = new WebSocketServer({ port: 0, host: "127.0.0.1", handleProtocols: () => "api" });
    await new Promise((resolve) => silent.once("listening", resolve));
    try {
      const [, e2] = await twoEngines();
      const silentUrl = `ws://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const cluster = bed.cluster([silentUrl, e2.url], undefined, undefined, { connectTimeoutMs: 200 });
      expect(nodeOf(await cluster.API({ group: "instances", action: "list" }))).toBe("e2");
      expect(cluster.GetNodeByCnx(silentUrl)?.GetLastError()).toBe("CONNECTION");
    } finally {
      for (const c of silent.clients) c.terminate();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('answers "*" and subscribes on "*" at once while a node reconnects, leaving it out, and leaves out a node that cannot be reached', async () => {
    // A node that greets until told not to: once dropped, its reconnects hang before <ready>.
    const flaky = new WebSocketServer({ port: 0, host: "127.0.0.1", handleProtocols: (p) => [...p][0] ?? false });
    await new Promise((resolve) => flaky.once("listening", resolve));
    let greet = true;
    flaky.on("connection", (ws) => greet && ws.send('<ready profile="ADMIN" version="3.3" node="f1" time="2024-01-01 00:00:00" status="OK"><modules/></ready>'));
    try {
      const [, e2] = await twoEngines();
      const flakyUrl = `ws://127.0.0.1:${(flaky.address() as AddressInfo).port}`;
      const options = { connectTimeoutMs: 5000 };
      const api = bed.cluster([flakyUrl, e2.url], undefined, undefined, options);
      const events = bed.cluster([flakyUrl, e2.url], () => {}, undefined, options);
      await waitUntil(() => [...api.GetStates(), ...events.GetStates()].every((s) => s === "READY"), 5000, "all READY");
      greet = false;
      for (const c of flaky.clients) c.terminate();
      const reconnecting = (c: { GetNodeByCnx(u: string): { GetState(): string; GetLastError(): string | null } | null }) => c.GetNodeByCnx(flakyUrl)!;
      await waitUntil(() => flaky.clients.size === 2 && [api, events].every((c) => reconnecting(c).GetState() === "CONNECTING"), 5000, "both reconnecting");

      expect((await api.API({ group: "status", action: "query", node: "*" })).map(nodeOf)).toEqual(["e2"]);
      await events.Subscribe("INSTANCE_STARTED", { group: "instances", action: "list", node: "*" }, false, 0, 3);
      await waitUntil(() => e2.subscriptions.length === 1, 5000, "the subscription on e2");
      // Neither waited for the node that is away: it is still trying.
      expect([reconnecting(api).GetState(), reconnecting(events).GetState()]).toEqual(["CONNECTING", "CONNECTING"]);

      // A node that never answered, asked at once: left out of the answers.
      const other = bed.cluster([await deadUrl(), e2.url]);
      expect((await other.API({ group: "status", action: "query", node: "*" })).map(nodeOf)).toEqual(["e2"]);
    } finally {
      for (const c of flaky.clients) c.terminate();
      await new Promise((resolve) => flaky.close(resolve));
    }
  });

  it("does not fail over on a refused sign-in", async () => {
    const e1 = await bed.engine({ node: "e1", users: { admin: "another password" } });
    const e2 = await bed.engine({ node: "e2" });
    const counter = countingWebSocket();
    const cluster = bed.cluster([e1.url, e2.url], undefined, undefined, { WebSocket: counter.WebSocket });
    const error = (await cluster.API({ group: "instances", action: "list" }).catch((e: unknown) => e)) as EvqError;
    expect([error.message, error.code]).toEqual(["Authentication error", "AUTHENTICATION"]);
    expect(e2.received.filter((r) => r.frame.name === "instances")).toHaveLength(0);
    await backoffRounds();
    expect(counter.opened(e1.url)).toBe(1);
    expect(cluster.GetStates()[0]).toBe("ERROR");
    expect(cluster.GetNodeByCnx(e1.url)?.GetLastError()).toBe("AUTHENTICATION");
  });

  it("reports ERROR then READY through stateChange when a node goes away and comes back", async () => {
    const [e1, e2] = await twoEngines();
    const states: string[] = [];
    const cluster = bed.cluster([e1.url, e2.url], undefined, (node, state) => states.push(`${node} ${state}`));
    await waitUntil(() => cluster.GetStates().every((s) => s === "READY"), 5000, "both ready");
    expect(states).toContain(`${e1.url} CONNECTING`);
    expect(states).toContain("e1 READY");
    const mark = states.length;
    await e1.kill();
    await waitUntil(() => states.slice(mark).includes("e1 ERROR"), 5000, "e1 ERROR");
    await e1.restart();
    await waitUntil(() => states.slice(mark).includes("e1 READY"), 5000, "e1 READY again");
    const after = states.slice(mark);
    expect(after.indexOf("e1 ERROR")).toBeLessThan(after.indexOf("e1 READY"));
    expect(after.filter((s) => s.startsWith("e2"))).toEqual([]);
  });
});

describe("evQueueCluster in events mode", () => {
  type Seen = { node: string | null; externalId: number; objectId: string; eventId: number | null; group: string | null };

  function collector() {
    const seen: Seen[] = [];
    const callback = (doc: unknown, info: Omit<Seen, "group">) => {
      const echoEl = (doc as { documentElement: { getElementsByTagName(n: string): ArrayLike<Root> } }).documentElement.getElementsByTagName("echo")[0];
      seen.push({ ...info, group: echoEl?.getAttribute("group") ?? null });
    };
    return { seen, callback };
  }

  it("opens events connections, delivers events with their info and acks each event-id", async () => {
    const [e1] = await twoEngines();
    const { seen, callback } = collector();
    const cluster = bed.cluster([e1.url], callback);
    await cluster.Subscribe("INSTANCE_TERMINATED", { group: "instances", action: "list" }, true, 0, 7);
    expect(e1.connections("events")).toHaveLength(1);
    await waitUntil(() => seen.length === 1, 5000, "the send_now frame");
    e1.raise("INSTANCE_TERMINATED", 42);
    await waitUntil(() => seen.length === 2, 5000, "the event");
    expect(seen[1]).toMatchObject({ node: "e1", externalId: 7, objectId: "42", group: "instances" });
    const acks = () => e1.received.filter((r) => r.frame.attributes["action"] === "ack").map((r) => Number(r.frame.attributes["event_id"]));
    await waitUntil(() => acks().length === 2, 5000, "two acks");
    expect(acks()).toEqual(seen.map((s) => s.eventId));
    await expect(cluster.API({ group: "instances", action: "list" })).rejects.toThrow(/needs an api connection/);
  });

  it("subscribes on every node with \"*\" and, after a node restarts, subscribes again there with send_now", async () => {
    const [e1, e2] = await twoEngines();
    const { seen, callback } = collector();
    const cluster = bed.cluster([e1.url, e2.url], callback);
    await cluster.Subscribe("INSTANCE_STARTED", { group: "instances", action: "list", node: "*" }, false, 0, 3);
    await waitUntil(() => e1.subscriptions.length === 1 && e2.subscriptions.length === 1, 5000, "a subscription on each node");
    const subscribes = () => e1.received.filter((r) => r.frame.attributes["action"] === "subscribe").map((r) => r.frame.attributes["send_now"]);
    expect(subscribes()).toEqual(["no"]);
    expect(seen).toEqual([]);

    await e1.kill();
    await waitUntil(() => cluster.GetStates()[0] === "ERROR", 5000, "e1 down");
    await e1.restart();
    await waitUntil(() => seen.length === 1, 5000, "the send_now result after the restart");
    expect(seen[0]).toMatchObject({ node: "e1", externalId: 3 });
    expect(subscribes()).toEqual(["no", "yes"]);
    expect(e1.subscriptions).toHaveLength(1);
    expect(e2.raise("INSTANCE_STARTED", 1)).toBe(1);
    await waitUntil(() => seen.some((s) => s.node === "e2"), 5000, "e2's event");
  });

  it("sends UTF-8 attribute values intact through api_cmd's base64", async () => {
    const [e1] = await twoEngines();
    const cluster = bed.cluster([e1.url], () => {});
    await cluster.Subscribe("TAG_CREATED", { group: "tags", action: "list", attributes: { label: "日本語 ✓" }, parameters: { note: "ça & <là>" } }, false);
    await waitUntil(() => e1.subscriptions.length === 1, 5000, "the subscription");
    const api = e1.subscriptions[0]!.api;
    expect(api.attributes).toEqual({ action: "list", label: "日本語 ✓" });
    expect(api.children[0]?.attributes).toEqual({ name: "note", value: "ça & <là>" });
  });

  it("unsubscribes with evQueue's filters and delivers plain trees with format json", async () => {
    const [e1] = await twoEngines();
    const trees: unknown[] = [];
    const cluster = bed.cluster<"json">([e1.url], (tree) => trees.push(tree), undefined, { format: "json" });
    await cluster.Subscribe("QUEUE_ENQUEUE", { group: "queues", action: "list" }, true, 0, 1);
    await cluster.Subscribe("QUEUE_ENQUEUE", { group: "queues", action: "list" }, false, 5, 2);
    await waitUntil(() => trees.length === 1, 5000, "the send_now tree");
    expect(trees[0]).toEqual({
      name: "response",
      attributes: { status: "OK", "external-id": "1", "object-id": "0", "event-id": expect.any(String), node: "e1" },
      children: [{ name: "echo", attributes: { group: "queues" }, children: [], text: "" }],
      text: "",
    });
    // object_id 0 removes only the unfiltered subscription.
    await cluster.Unsubscribe("QUEUE_ENQUEUE", 0);
    await waitUntil(() => e1.subscriptions.length === 1, 5000, "one subscription left");
    expect(e1.subscriptions[0]?.objectId).toBe(5);
    await cluster.UnsubscribeAll();
    await waitUntil(() => e1.subscriptions.length === 0, 5000, "none left");
  });
});
