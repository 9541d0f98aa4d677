import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import type { DashboardSnapshot } from "../../src/dashboard/snapshot.js";
import { EvqEngine } from "../helpers/evqueue-engine.js";
import { nextReload, waitUntil } from "../helpers/runtime.js";
import { descriptor } from "../helpers/project.js";
import { driverHandler, startDriver, type Answer } from "./cluster-driver.js";

// A cluster lives as long as the code that made it, and Close() ends what waits on it.

let engines: EvqEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.map((e) => e.stop()));
  engines = [];
});

it("closes the cluster's sockets when its handler is reloaded, and the new code's cluster connects again", async () => {
  const e = await EvqEngine.start({ node: "n1" });
  engines.push(e);
  const d = await startDriver([e.url], {}, { outboundHosts: [`127.0.0.1:${e.port}`] });
  await d.ask("Subscribe", "INSTANCE_STARTED", { group: "instances", action: "list" }, false);
  await waitUntil(() => e.connections("api").length === 1 && e.connections("events").length === 1, 5000, "both sockets");

  // New code without a cluster: the old one's sockets close.
  let reloaded = nextReload(d.t.runtime, (r) => r.file === "p/drive.js" && r.ok);
  await d.t.project.write("p/drive.js", driverHandler(null));
  await reloaded;
  await waitUntil(() => e.connections().length === 0, 5000, "the sockets closed");
  expect(e.subscriptions).toHaveLength(0);

  // New code with one: it connects; a reload back to no cluster closes that one too.
  reloaded = nextReload(d.t.runtime, (r) => r.file === "p/drive.js" && r.ok);
  await d.t.project.write("p/drive.js", driverHandler([e.url]));
  await reloaded;
  await waitUntil(() => e.connections("api").length === 1, 5000, "the new cluster's socket");
  expect(await d.ask("GetStates")).toEqual({ ok: true, value: ["READY"] });
  reloaded = nextReload(d.t.runtime, (r) => r.file === "p/drive.js" && r.ok);
  await d.t.project.write("p/drive.js", driverHandler(null) + "\n// again");
  await reloaded;
  await waitUntil(() => e.connections().length === 0, 5000, "the second cluster's socket closed");
});

it("rejects what waits on a cluster when it is closed, and bounds clusters per module", async () => {
  // A node that accepts the socket and never says <ready>: calls wait.
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1", handleProtocols: (p) => [...p][0] ?? false });
  await new Promise((resolve) => wss.once("listening", resolve));
  const port = (wss.address() as AddressInfo).port;
  try {
    const d = await startDriver([`ws://127.0.0.1:${port}`], {}, { outboundHosts: [`127.0.0.1:${port}`] });
    d.client.send(JSON.stringify({ op: "API", args: [{ group: "instances", action: "list" }] }));
    await waitUntil(() => wss.clients.size === 1, 5000, "the socket");
    d.client.send(JSON.stringify({ op: "Close" }));
    const answers = (await d.client.received(2)).map((m) => JSON.parse(String(m)) as Answer);
    expect(answers).toContainEqual({ ok: false, error: expect.objectContaining({ name: "ConnectionError", code: "CLOSED" }) });
    await waitUntil(() => wss.clients.size === 0, 5000, "the socket closed");
    expect(await d.ask("GetStates")).toEqual({ ok: true, value: ["CLOSED"] });
    expect(await d.ask("API", { group: "instances", action: "list" })).toMatchObject({ ok: false, error: { code: "CLOSED" } });

    for (let i = 0; i < 16; i++) expect(await d.ask("create", [`ws://127.0.0.1:${port}`])).toEqual({ ok: true, value: "(undefined)" });
    expect(await d.ask("create", [`ws://127.0.0.1:${port}`])).toMatchObject({ ok: false, error: { isRangeError: true, message: expect.stringContaining("already has 16 clusters open (limit 16)") } });
    await waitUntil(() => wss.clients.size === 16, 5000, "16 sockets");
  } finally {
    for (const c of wss.clients) c.terminate();
    await new Promise((resolve) => wss.close(resolve));
  }
});

it("closes the cluster when the sandbox restarts under it; the restarted code makes its own", async () => {
  const e = await EvqEngine.start({ node: "n1" });
  engines.push(e);
  const d = await startDriver([e.url], {}, { outboundHosts: [`127.0.0.1:${e.port}`], memoryLimitMb: 32, cpuLimitMs: 10_000 });
  await waitUntil(() => e.connections("api").length === 1, 5000, "the first cluster's socket");
  const first = e.connections("api")[0]!;
  d.client.send(JSON.stringify({ op: "bomb" }));
  await d.t.logs.waitFor((l) => /crashed; restarting its handlers/.test(l.msg), 15_000);
  await waitUntil(() => !e.connections().includes(first), 10_000, "the first cluster's socket closed");
  await waitUntil(() => e.connections("api").length === 1, 5000, "the restarted code's cluster");
});

it("reaches an endpoint of this same server without --allow-outbound, and nothing else of it", async () => {
  // A raw endpoint that answers as an evQueue node would (the subprotocol is the first one asked for).
  const fake = `
    exports.onOpen = (c) => c.send('<ready node="self" version="9.9" profile="ADMIN" time="now" status="OK"><modules/></ready>');
    exports.onMessage = (m, c) => c.send('<response node="self" status="OK"><echo/></response>');`;
  const d = await startDriver(null, {}, {}, { "p/fake.js": fake, "p/fake.websocket": descriptor("fake", "p/fake") });
  const own = d.t.url("fake");
  expect(await d.ask("create", [own])).toEqual({ ok: true, value: "(undefined)" });
  expect(await d.ask("API", { group: "ping", action: "ping" })).toMatchObject({ ok: true, value: { name: "response", attributes: { node: "self" }, children: [{ name: "echo" }] } });
  expect(await d.ask("GetVersions")).toEqual({ ok: true, value: ["9.9"] });
  const dashboard = new URL("/websockets/v4/", own).href.replace(/^http/, "ws");
  expect(await d.ask("create", [dashboard])).toMatchObject({ ok: false, error: { isTypeError: true, message: expect.stringContaining("reaches this server itself, where scripts may open only service endpoints") } });
});

it("lists the cluster's sockets on the dashboard with the outgoing clients", async () => {
  const e = await EvqEngine.start({ node: "n1" });
  engines.push(e);
  const d = await startDriver([e.url], {}, { outboundHosts: [`127.0.0.1:${e.port}`] });
  await d.ask("Subscribe", "INSTANCE_STARTED", { group: "instances", action: "list" }, false);
  const live = new URL(d.t.runtime.dashboardUrl!.replace(/^http/, "ws"));
  live.pathname = "/websockets/v4/dashboard";
  const ws = new WebSocket(live);
  let latest: DashboardSnapshot | undefined;
  ws.on("message", (data) => (latest = JSON.parse(String(data)) as DashboardSnapshot));
  try {
    const listed = await waitUntil(() => latest && latest.clients.length === 2 && latest.clients, 5000, "two evqueue sockets listed");
    expect(listed.map((c) => [c.uri, c.handler, c.engine, c.readyState])).toEqual([
      [`${e.url}/`, "p/drive.js", "evqueue api (READY)", 1],
      [`${e.url}/`, "p/drive.js", "evqueue events (READY)", 1],
    ]);
  } finally {
    ws.close();
  }
});
