import { createClient } from "redis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { DashboardSnapshot } from "../../src/dashboard/snapshot.js";
import type { AerostatError } from "../../src/index.js";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { SERVICES, describeWith } from "../helpers/services.js";
import { nextReload, startProject, waitUntil } from "../helpers/runtime.js";
import { listenerFile, PROBE_HANDLER, unique, waitForGot, waitForListener } from "../helpers/listener-probe.js";

await describeWith(["redis"], "listeners follow their files", () => {
  let publisher: ReturnType<typeof createClient>;
  beforeAll(async () => {
    publisher = createClient({ url: SERVICES.redis.url });
    await publisher.connect();
  });
  afterAll(async () => {
    await publisher.close();
  });

  const files = { "p/h.js": PROBE_HANDLER, "p/probe.websocket": descriptor("probe", "p/h") };
  const options = { connections: { r: SERVICES.redis.url } };

  it("a listener added, changed and removed while running starts, moves and stops within a second", async () => {
    const { runtime, project, url } = await startProject(files, options);
    const probe = await TestClient.connect(url("probe"));
    const [first, second] = [unique("c1"), unique("c2")];

    let started = Date.now();
    await project.write("p/a.listener", listenerFile({ source: "redis", connection: "r", channels: [first], handler: "p/h" }));
    await waitForListener(runtime, "a", (s) => s.state === "up", 1000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await publisher.publish(first, "one")).toBe(1);
    await waitForGot(probe, (g) => g.some((x) => x.text === "one"));

    started = Date.now();
    await project.write("p/a.listener", listenerFile({ source: "redis", connection: "r", channels: [second], handler: "p/h" }));
    // The old channel has no subscriber once the listener restarted on the new one.
    await waitUntil(async () => (await publisher.pubSubNumSub(first))[first] === 0 && runtime.listenerStats()[0]?.state === "up", 1000, "the move");
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await publisher.publish(first, "old")).toBe(0);
    expect(await publisher.publish(second, "two")).toBe(1);
    const got = await waitForGot(probe, (g) => g.some((x) => x.text === "two"));
    expect(got.map((g) => g.text)).toEqual(["one", "two"]);

    started = Date.now();
    await project.remove("p/a.listener");
    await waitUntil(() => runtime.listenerStats().length === 0, 1000, "the listener to stop");
    await waitUntil(async () => (await publisher.pubSubNumSub(second))[second] === 0, 1000, "its connection to close");
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("a broken file keeps the last good listener running, and says where it is broken", async () => {
    const channel = unique("kept");
    const { runtime, project, url } = await startProject({ ...files, "p/a.listener": listenerFile({ source: "redis", connection: "r", channels: [channel], handler: "p/h" }) }, options);
    const probe = await TestClient.connect(url("probe"));
    await waitForListener(runtime, "a", (s) => s.state === "up");
    const problems: AerostatError[] = [];
    runtime.on("problem", (e) => problems.push(e));

    const bad = nextReload(runtime, (e) => e.file === "p/a.listener" && !e.ok);
    await project.write("p/a.listener", '{\n  "source": "redis",\n  "connection": "cache",\n  "channels": ["x"],\n  "handler": "p/h"\n}');
    const failed = await bad;
    expect(failed.error?.toString()).toMatch(/^p\/a\.listener:3:3: field "connection" names "cache", which is not a connection of this server \(its connections are "r"\)/);
    expect(await publisher.publish(channel, "still")).toBe(1);
    await waitForGot(probe, (g) => g.some((x) => x.text === "still"));

    const json = nextReload(runtime, (e) => e.file === "p/a.listener" && !e.ok);
    await project.write("p/a.listener", "{");
    expect((await json).error?.toString()).toMatch(/^p\/a\.listener:1:2: not valid JSON/);
    expect(runtime.listenerStats()).toMatchObject([{ name: "a", state: "up" }]);
  });

  it("a changed handler script is loaded again; the listener keeps its connection", async () => {
    const channel = unique("reload");
    const { runtime, project, url, logs } = await startProject({ ...files, "p/a.listener": listenerFile({ source: "redis", connection: "r", channels: [channel], handler: "p/h" }) }, options);
    const probe = await TestClient.connect(url("probe"));
    await waitForListener(runtime, "a", (s) => s.state === "up");
    await publisher.publish(channel, "before");
    await waitForGot(probe, (g) => g.length === 1);
    const clientsBefore = (await publisher.clientList()).filter((c) => c.sub > 0 || c.psub > 0).map((c) => c.id);

    const reloaded = nextReload(runtime, (e) => e.file === "p/h.js" && e.ok);
    await project.write("p/h.js", `${PROBE_HANDLER}\n// changed`);
    await reloaded;
    const probe2 = await TestClient.connect(url("probe"));
    await publisher.publish(channel, "after");
    // The new version's list starts empty: it got only what came after the reload.
    const got = await waitForGot(probe2, (g) => g.length === 1);
    expect(got[0]?.text).toBe("after");
    const clientsAfter = (await publisher.clientList()).filter((c) => c.sub > 0 || c.psub > 0).map((c) => c.id);
    expect(clientsAfter.filter((id) => clientsBefore.includes(id)).length).toBe(clientsBefore.length);
    expect(logs.messages().some((m) => m.includes("restarted listener"))).toBe(false);
    probe.close();
  });

  it("a message lost with its handler twice (two reloads while onMessage ran) is dropped, counted and logged", async () => {
    const channel = unique("twice");
    const { runtime, project, url, logs } = await startProject({ ...files, "p/a.listener": listenerFile({ source: "redis", connection: "r", channels: [channel], handler: "p/h" }) }, options);
    const probe = await TestClient.connect(url("probe"));
    await waitForListener(runtime, "a", (s) => s.state === "up");
    await publisher.publish(channel, "block");
    await waitForGot(probe, (g) => g.length === 1);

    // Lost once: the new version is asked again, and blocks too.
    const second = nextReload(runtime, (e) => e.file === "p/h.js" && e.ok);
    await project.write("p/h.js", `${PROBE_HANDLER}\n// version 2`);
    await second;
    await waitForGot(probe, (g) => g.length === 1 && g[0]?.text === "block");
    expect(runtime.listenerStats()[0]).toMatchObject({ dropped: 0 });

    // Lost twice: dropped.
    const third = nextReload(runtime, (e) => e.file === "p/h.js" && e.ok);
    await project.write("p/h.js", `${PROBE_HANDLER}\n// version 3`);
    await third;
    expect(await waitForListener(runtime, "a", (s) => s.dropped === 1)).toMatchObject({ received: 1, delivered: 0, failed: 0 });
    await logs.waitFor((l) => l.msg === "listener a: a message lost with its handler twice (it reloaded or its sandbox restarted each time) was dropped (1 dropped so far)");
    expect(await probe.ask("get")).toBe("[]");
  });

  it("a listener whose handler does not load is reported like an endpoint's; once it loads, messages reach it", async () => {
    const channel = unique("broken");
    const { runtime, project, url } = await startProject(
      { ...files, "p/bad.js": "exports.onMessage = (;", "p/a.listener": listenerFile({ source: "redis", connection: "r", channels: [channel], handler: "p/bad" }) },
      options,
    );
    const failed = await waitUntil(() => runtime.handlerStats().find((h) => h.handler === "p/bad.js" && h.error), 5000, "the load error");
    expect(failed.error).toBe("p/bad.js:1:22: has a syntax error: Unexpected token ';'. Fix the module and save it again.");
    await waitForListener(runtime, "a", (s) => s.state === "up");
    const fixed = nextReload(runtime, (e) => e.file === "p/bad.js" && e.ok);
    await project.write("p/bad.js", PROBE_HANDLER);
    await fixed;
    await project.write("p/probe.websocket", descriptor("probe", "p/bad"));
    await waitUntil(() => runtime.endpoints().find((e) => e.endpoint === "probe" && e.handler === "p/bad.js"), 5000, "the probe to move");
    const probe = await TestClient.connect(url("probe"));
    await publisher.publish(channel, "now");
    await waitForGot(probe, (g) => g.some((x) => x.text === "now"));
  });

  it("two files with one listener name: the second is an error naming both", async () => {
    const problem = await new Promise<AerostatError>((resolve, reject) => {
      startProject(
        {
          ...files,
          "p/a.listener": listenerFile({ name: "same", source: "redis", connection: "r", channels: [unique("x")], handler: "p/h" }),
          "p/b.listener": listenerFile({ name: "same", source: "redis", connection: "r", channels: [unique("y")], handler: "p/h" }),
        },
        options,
      )
        .then(({ logs }) => logs.waitFor((l) => l.code === "AEROSTAT_LISTENER_CONFLICT"))
        .then((line) => resolve({ toString: () => line.msg } as AerostatError), reject);
    });
    expect(problem.toString()).toBe('p/b.listener: listener "same" is already defined by p/a.listener, so p/b.listener is ignored; give one of the two another "name" (by default a listener is named after its file)');
  });

  it("two project folders may each have a listener of one name: both run", async () => {
    const [first, second] = [unique("a"), unique("b")];
    const { runtime, url, logs } = await startProject({
      "a/h.js": PROBE_HANDLER,
      "a/probe.websocket": descriptor("probe-a", "a/h"),
      "a/orders.listener": listenerFile({ source: "redis", connection: "r", channels: [first], handler: "a/h" }),
      "b/h.js": PROBE_HANDLER,
      "b/probe.websocket": descriptor("probe-b", "b/h"),
      "b/orders.listener": listenerFile({ source: "redis", connection: "r", channels: [second], handler: "b/h" }),
    }, options);
    await waitUntil(() => runtime.listenerStats().filter((s) => s.name === "orders" && s.state === "up").length === 2, 5000, "both listeners up");
    expect(runtime.listenerStats().map((s) => s.file).sort()).toEqual(["a/orders.listener", "b/orders.listener"]);
    await publisher.publish(first, "to a");
    await publisher.publish(second, "to b");
    expect((await waitForGot(await TestClient.connect(url("probe-a")), (g) => g.length === 1))[0]?.text).toBe("to a");
    expect((await waitForGot(await TestClient.connect(url("probe-b")), (g) => g.length === 1))[0]?.text).toBe("to b");
    expect(logs.lines.some((l) => l.code === "AEROSTAT_LISTENER_CONFLICT")).toBe(false);
  });

  it("refuses a .listener in the static folder, naming the file and where to move it", async () => {
    const channel = unique("public");
    const { runtime, logs } = await startProject({
      ...files,
      "public/index.html": "<h1>page</h1>",
      "public/orders.listener": listenerFile({ source: "redis", connection: "r", channels: [channel], handler: "public/h" }),
      "public/h.js": PROBE_HANDLER,
    }, options);
    const problem = await logs.waitFor((l) => l.file === "public/orders.listener");
    expect(problem.code).toBe("AEROSTAT_DESCRIPTOR_IN_STATIC");
    expect(problem.msg).toBe("public/orders.listener: public/ holds static files, which anyone may download, so it cannot hold listeners. Move public/orders.listener and its handler to another folder.");
    expect(runtime.listenerStats()).toEqual([]);
    expect((await publisher.pubSubNumSub(channel))[channel]).toBe(0);
  });

  it("the dashboard shows each listener: connection with the password hidden, state, rates, gaps, dropped", async () => {
    const channel = unique("dash");
    const { runtime } = await startProject(
      { ...files, "p/a.listener": listenerFile({ source: "redis", connection: "r", channels: [channel], handler: "p/h" }) },
      { connections: { r: "redis://:pw-not-shown@127.0.0.1:6379" } },
    );
    const ws = new WebSocket(runtime.dashboardUrl!.replace(/^http/, "ws").replace("/websockets/v4/?", "/websockets/v4/dashboard?"));
    const state: { latest?: DashboardSnapshot } = {};
    ws.on("message", (data) => (state.latest = JSON.parse(data.toString()) as DashboardSnapshot));
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    try {
      const row = await waitUntil(() => state.latest?.listeners.listeners[0], 5000, "a listener row");
      expect(row).toMatchObject({ name: "a", source: "redis", file: "p/a.listener", handler: "p/h.js", connection: { name: "r", url: "redis://:***@127.0.0.1:6379" } });
      expect(JSON.stringify(state.latest)).not.toContain("pw-not-shown");
      expect(state.latest?.listeners.totals).toMatchObject({ listeners: 1 });
      expect(row).toHaveProperty("rates");
      expect(row).toHaveProperty("gaps", 0);
      expect(row).toHaveProperty("dropped", 0);
    } finally {
      ws.close();
    }
  });
});
