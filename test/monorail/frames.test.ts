import { describe, expect, it } from "vitest";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil, type TestRuntime } from "../helpers/runtime.js";
import { connectClosedAfterEach, MrClient, type Frame } from "./mr-client.js";

// Every MonoRail frame of protocols.md §4.5, at the wire, with the upstream defects fixed.

const RACK = `
  const monorail = require("net/v4/monorail");
  const nodes = { "1": { id: "1", name: "a" }, "2": { id: "2", name: "b" } };
  monorail.resource("nodes", {
    query: (params) => Object.values(nodes).filter((n) => !params.name || n.name === params.name),
    all: () => Object.values(nodes),
    get: (params) => nodes[params.id] ?? null,
    watch: async (params, c) => {
      if (params.refuse) { const e = new Error("watching " + JSON.stringify(params) + " is not allowed"); e.name = "Forbidden"; throw e; }
      if (params.initial) return Object.values(nodes);
    },
  });
  monorail.resource("catalogs", { all: () => [] });
  monorail.resource("kinds", { filter: (params, change) => !params.only || (change.data && change.data.kind === params.only) });
  monorail.resource("whoami", { prefix: "id:", all(c) { return [c.id, this.prefix + c.id]; } });
  monorail.resource("slow", { all: () => new Promise(() => {}) });
  monorail.resource("later", { all: () => { console.log("later asked"); return new Promise((resolve) => setTimeout(() => resolve(["late"]), 3000)); } });
  exports.onOpen = () => {};
  exports.onMessage = () => {};
`;

// Another endpoint of the same project: its script sends the changes.
const CONTROL = `
  const monorail = require("net/v4/monorail");
  exports.onMessage = (message, c) => {
    const m = JSON.parse(message);
    if (m.change) monorail.change(...m.change);
    if (m.item) monorail.item(...m.item);
    if (m.remove) monorail.remove(...m.remove);
    if (m.list) monorail.list(...m.list);
    if (m.broadcast) require("net/v4/websockets").broadcast(JSON.stringify(m.broadcast.frame), { endpoint: "rack", except: m.broadcast.except });
    c.send(JSON.stringify({ handler: "done" }));
  };
`;

const files = {
  "p/rack.js": RACK,
  "p/rack.websocket": descriptor("rack", "p/rack", { protocol: "monorail", monorail: { maxWatchers: 3, hookTimeoutMs: 500 } }),
  "p/control.js": CONTROL,
  "p/control.websocket": descriptor("control", "p/control"),
};

const connect = connectClosedAfterEach();

async function client(t: TestRuntime, path = "rack"): Promise<MrClient> {
  return connect(t.url(path.split("/")[0]!) + (path.includes("/") ? "/" + path.split("/")[1] : ""));
}

/** Sends changes from the control endpoint's script and waits until it ran them. */
async function control(t: TestRuntime, ...messages: unknown[]): Promise<void> {
  const c = await client(t, "control");
  for (const m of messages) {
    c.ws.send(JSON.stringify(m));
  }
  await waitUntil(() => c.frames.length >= messages.length, 5000, "the control script");
  void c.close();
}

describe("MonoRail frames", () => {
  it("takes the default resource from the URL's extra segment, accepts resource or type (resource wins), and sends both", async () => {
    const t = await startProject(files);
    const c = await client(t, "rack/nodes");
    const expected = [{ id: "1", name: "a" }, { id: "2", name: "b" }];
    expect(await c.ask({ handler: "all" })).toEqual({ handler: "list", resource: "nodes", type: "nodes", items: expected });
    expect(await c.ask({ handler: "all", type: "whoami" })).toMatchObject({ handler: "list", resource: "whoami", type: "whoami" });
    expect(await c.ask({ handler: "all", resource: "catalogs", type: "nodes" })).toEqual({ handler: "list", resource: "catalogs", type: "catalogs", items: [] });
    // Without a default resource, a frame that names none gets an error frame.
    const bare = await client(t, "rack");
    const e = await bare.ask({ handler: "all" });
    expect(e).toMatchObject({ handler: "error", resource: null, type: null, params: { name: "BadFrameError" } });
    expect(e.params!.message).toContain("/websockets/v4/service/rack/<resource>");
  });

  it("a raw endpoint refuses a URL with a resource segment", async () => {
    const t = await startProject(files);
    await expect(MrClient.connect(t.url("control") + "/nodes")).rejects.toThrow(/404/);
  });

  it("answers init with the session id, the connection.id the script sees", async () => {
    const t = await startProject(files);
    const c = await client(t);
    const session = await c.ask({ handler: "init" });
    expect(session).toMatchObject({ handler: "session", resource: null, type: null });
    expect(session.id).toMatch(/^s\d+$/);
    // Resource functions run as methods of the object given to resource().
    expect(await c.ask({ handler: "all", resource: "whoami" })).toMatchObject({ items: [session.id, "id:" + session.id] });
  });

  it("answers query and all with a list, get with an item carrying id and data, and get of nothing with remove", async () => {
    const t = await startProject(files);
    const c = await client(t, "rack/nodes");
    expect(await c.ask({ handler: "query", params: { name: "b" } })).toEqual({ handler: "list", resource: "nodes", type: "nodes", items: [{ id: "2", name: "b" }] });
    expect(await c.ask({ handler: "get", params: { id: "1" } })).toEqual({ handler: "item", resource: "nodes", type: "nodes", id: "1", data: { id: "1", name: "a" } });
    expect(await c.ask({ handler: "get", params: { id: "9" } })).toEqual({ handler: "remove", resource: "nodes", type: "nodes", id: "9", data: null });
  });

  it("sends item and remove to a watcher for change() from another endpoint's script, and an initial list when watch() returns one", async () => {
    const t = await startProject(files);
    const c = await client(t);
    c.send({ handler: "watch", resource: "nodes", params: { initial: true } });
    expect(await c.next()).toMatchObject({ handler: "list", resource: "nodes", items: [{ id: "1", name: "a" }, { id: "2", name: "b" }] });
    await waitUntil(() => t.runtime.monorailStats().watchers === 1, 5000, "the watcher");
    await control(
      t,
      { change: ["nodes", "created", "3", { id: "3", name: "c" }] },
      { change: ["nodes", "updated", "3", { id: "3", name: "d" }] },
      { change: ["nodes", "destroyed", "3", { id: "3" }] },
      { list: ["nodes", [{ id: "1" }]] },
    );
    expect(await c.next()).toEqual({ handler: "item", resource: "nodes", type: "nodes", id: ["created", "3"], data: { id: "3", name: "c" } });
    expect(await c.next()).toEqual({ handler: "item", resource: "nodes", type: "nodes", id: ["updated", "3"], data: { id: "3", name: "d" } });
    expect(await c.next()).toEqual({ handler: "remove", resource: "nodes", type: "nodes", id: "3", data: { id: "3" } });
    expect(await c.next()).toEqual({ handler: "list", resource: "nodes", type: "nodes", items: [{ id: "1" }] });
  });

  it("after stop (params in another key order) sends that watcher nothing: a later change of another watched resource comes first", async () => {
    const t = await startProject(files);
    const c = await client(t);
    c.send({ handler: "watch", resource: "nodes", params: { a: 1, b: { x: 1, y: 2 } } });
    c.send({ handler: "watch", resource: "catalogs", params: {} });
    await waitUntil(() => t.runtime.monorailStats().watchers === 2, 5000, "two watchers");
    c.send({ handler: "stop", resource: "nodes", params: { b: { y: 2, x: 1 }, a: 1 } });
    await waitUntil(() => t.runtime.monorailStats().watchers === 1, 5000, "the stop");
    await control(t, { item: ["nodes", "1", { id: "1" }] }, { item: ["catalogs", "c1", { id: "c1" }] });
    expect(await c.next()).toMatchObject({ handler: "item", resource: "catalogs", id: "c1" });
    // Nothing else arrives within 500 ms.
    await new Promise((r) => setTimeout(r, 500));
    expect(c.frames).toHaveLength(1);
  });

  it("drops a connection's watchers when it closes", async () => {
    const t = await startProject(files);
    const c = await client(t);
    c.send({ handler: "watch", resource: "nodes", params: {} });
    c.send({ handler: "watch", resource: "catalogs", params: { any: true } });
    await waitUntil(() => t.runtime.monorailStats().watchers === 2, 5000, "two watchers");
    await c.close();
    await waitUntil(() => t.runtime.monorailStats().watchers === 0, 5000, "no watchers");
  });

  it("caps watchers per connection with an error frame; a repeated watch is the same watcher", async () => {
    const t = await startProject(files);
    const c = await client(t);
    for (const n of [1, 2, 3]) c.send({ handler: "watch", resource: "catalogs", params: { n } });
    c.send({ handler: "watch", resource: "catalogs", params: { n: 1 } });
    await waitUntil(() => t.runtime.monorailStats().watchers === 3, 5000, "three watchers");
    const e = await c.ask({ handler: "watch", resource: "catalogs", params: { n: 4 } });
    expect(e).toMatchObject({ handler: "error", resource: "catalogs", type: "catalogs", params: { name: "TooManyWatchersError" } });
    expect(e.params!.message).toContain("monorail.maxWatchers");
    expect(t.runtime.monorailStats().watchers).toBe(3);
  });

  it("answers bad JSON, an unknown handler, an unknown resource, a refused watch and a slow resource with error frames", async () => {
    const t = await startProject(files);
    const c = await client(t, "rack/nodes");
    expect(await c.ask("{not json")).toMatchObject({ handler: "error", resource: "nodes", type: "nodes", params: { name: "BadFrameError" } });
    expect(await c.ask("[1,2]")).toMatchObject({ handler: "error", params: { name: "BadFrameError" } });
    const unknownHandler = await c.ask({ handler: "delete", resource: "nodes" });
    expect(unknownHandler).toMatchObject({ handler: "error", resource: "nodes", params: { name: "UnknownHandlerError" } });
    expect(unknownHandler.params!.message).toContain('"delete"');
    const unknownResource = await c.ask({ handler: "all", resource: "racks" });
    expect(unknownResource).toMatchObject({ handler: "error", resource: "racks", type: "racks", params: { name: "UnknownResourceError" } });
    expect(await c.ask({ handler: "get", resource: "catalogs", params: { id: 1 } })).toMatchObject({ handler: "error", params: { name: "UnsupportedHandlerError" } });
    const refused = await c.ask({ handler: "watch", params: { refuse: true } });
    expect(refused).toEqual({ handler: "error", resource: "nodes", type: "nodes", params: { name: "Forbidden", message: 'watching {"refuse":true} is not allowed' } });
    expect(t.runtime.monorailStats().watchers).toBe(0);
    expect(await c.ask({ handler: "all", resource: "slow" })).toMatchObject({ handler: "error", resource: "slow", params: { name: "TimeoutError" } });
    // Params nested too deep for a watcher's identity.
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(await c.ask({ handler: "watch", resource: "catalogs", params: deep })).toMatchObject({ handler: "error", params: { name: "BadFrameError", message: "params nest deeper than 32 levels" } });
    // The connection still works.
    expect(await c.ask({ handler: "get", params: { id: "2" } })).toMatchObject({ handler: "item", id: "2" });
  });

  it("answers a watch of mq on an endpoint without monorail.mq with an MqError that says what to add to which descriptor file", async () => {
    const t = await startProject(files);
    const c = await client(t, "rack/mq");
    const off = await c.ask({ handler: "watch", params: { exchange: "on.events" } });
    expect(off).toMatchObject({ handler: "error", resource: "mq", type: "mq", params: { name: "MqError" } });
    expect(off.params!.message).toBe('the built-in mq resource is off on endpoint "rack": add "monorail": {"mq": {"connection": "<amqp connection>", "exchanges": ["<exchange>"]}} to its descriptor file p/rack.websocket');
    const query = await c.ask({ handler: "all" });
    expect(query).toMatchObject({ handler: "error", resource: "mq", params: { name: "UnknownResourceError" } });
    expect(query.params!.message).toContain('"mq" is the built-in RabbitMQ resource, which answers watch only');
    expect(query.params!.message).not.toContain("resource(name, def)");
  });

  it("asks the resource's filter once per change for the watchers' distinct params", async () => {
    const t = await startProject(files);
    const tools = await client(t);
    const any = await client(t);
    tools.send({ handler: "watch", resource: "kinds", params: { only: "tool" } });
    any.send({ handler: "watch", resource: "kinds", params: {} });
    await waitUntil(() => t.runtime.monorailStats().watchers === 2, 5000, "two watchers");
    await control(t, { item: ["kinds", "k1", { kind: "food" }] }, { item: ["kinds", "k2", { kind: "tool" }] });
    const seen = (c: MrClient) => waitUntil(() => (c.frames.length >= 1 ? c.frames : undefined), 5000, "frames");
    expect((await seen(tools)).map((f: Frame) => f.id)).toEqual(["k2"]);
    await waitUntil(() => any.frames.length === 2, 5000, "both changes");
    expect(any.frames.map((f) => f.id)).toEqual(["k1", "k2"]);
  });

  it("answers a resource function in flight during a reload with HandlerUnavailableError", async () => {
    const t = await startProject({ ...files, "p/rack.websocket": descriptor("rack", "p/rack", { protocol: "monorail", monorail: { hookTimeoutMs: 10_000 } }) });
    const c = await client(t);
    c.send({ handler: "all", resource: "later" });
    await t.logs.waitFor((l) => l.msg.includes("later asked"));
    const reloaded = new Promise<void>((resolve) => t.runtime.once("reload", () => resolve()));
    await t.project.write("p/rack.js", RACK + "\n// edited\n");
    await reloaded;
    const e = await c.next();
    expect(e).toMatchObject({ handler: "error", resource: "later", type: "later", params: { name: "HandlerUnavailableError" } });
    expect(e.params!.message).toContain("reloaded");
  });

  it("lets a script broadcast a frame to the endpoint's connections, leaving some out (ws-spec's broadcast(data, skip))", async () => {
    const t = await startProject(files);
    const one = await client(t);
    const two = await client(t);
    const skip = (await two.ask({ handler: "init" })).id;
    const frame = { handler: "item", resource: "notice", type: "notice", id: "n1", data: "maintenance at noon" };
    await control(t, { broadcast: { frame, except: [skip] } });
    expect(await one.next()).toEqual(frame);
    expect(await two.ask({ handler: "init" })).toMatchObject({ handler: "session", id: skip });
  });

  it("keeps watchers through a reload of the handler", async () => {
    const t = await startProject(files);
    const c = await client(t);
    c.send({ handler: "watch", resource: "catalogs", params: {} });
    await waitUntil(() => t.runtime.monorailStats().watchers === 1, 5000, "the watcher");
    const reloaded = new Promise<void>((resolve) => t.runtime.once("reload", () => resolve()));
    await t.project.write("p/rack.js", RACK + "\n// edited\n");
    await reloaded;
    await control(t, { item: ["catalogs", "c9", { id: "c9" }] });
    expect(await c.next()).toMatchObject({ handler: "item", resource: "catalogs", id: "c9" });
    expect(await c.ask({ handler: "all", resource: "catalogs" })).toMatchObject({ handler: "list", items: [] });
  });
});
