import { afterEach, expect, it } from "vitest";
import { EvqEngine } from "../helpers/evqueue-engine.js";
import { descriptor } from "../helpers/project.js";
import { nextReload, startProject, waitUntil } from "../helpers/runtime.js";

// The handler's side of events: hooks named by the script, hooks that throw or are missing, and code whose load failed.

let engines: EvqEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.map((e) => e.stop()));
  engines = [];
});

async function engine(): Promise<EvqEngine> {
  const e = await EvqEngine.start({ node: "n1", api: () => [{ name: "item" }] });
  engines.push(e);
  return e;
}

const acks = (e: EvqEngine) => e.received.filter((r) => r.frame.attributes["action"] === "ack").map((r) => r.frame.attributes["event_id"]);

it("runs the hook options.onEvent names, reports its throw with file:line, and acknowledges the event anyway", async () => {
  const e = await engine();
  const handler = [
    'const { createCluster } = require("net/v4/evqueue");',
    'const cluster = createCluster(["' + e.url + '"], { onEvent: "onJobs" });',
    'cluster.Subscribe("INSTANCE_STARTED", { group: "instances", action: "list" }, false);',
    "exports.onJobs = (node, info) => {",
    '  console.log("JOBS " + info.eventId);',
    '  if (info.objectId === "13") throw new Error("unlucky " + info.objectId);',
    "};",
    "exports.onMessage = () => {};",
  ].join("\n");
  const t = await startProject({ "p/jobs.js": handler, "p/jobs.websocket": descriptor("jobs", "p/jobs") }, { outboundHosts: [`127.0.0.1:${e.port}`] });
  // options.onEvent opens the events socket with the cluster.
  await waitUntil(() => e.subscriptions.length === 1, 5000, "the subscription");
  e.raise("INSTANCE_STARTED", 12);
  e.raise("INSTANCE_STARTED", 13);
  await waitUntil(() => acks(e).length === 2, 5000, "both acks");
  expect(t.logs.messages().filter((m) => m.startsWith("JOBS "))).toEqual(["JOBS 1", "JOBS 2"]);
  const fault = await t.logs.waitFor((l) => /onJobs threw/.test(l.msg));
  expect(fault.msg).toMatch(/^p\/jobs\.js:6:\d+: onJobs threw Error: unlucky 13$/);
  expect(fault["where"]).toBe(`evqueue ${e.url}/`);
});

it("says once per load that the handler exports no onEvqueueEvent, and acknowledges each event", async () => {
  const e = await engine();
  const handler = `
    const cluster = require("net/v4/evqueue").createCluster(["${e.url}"]);
    cluster.Subscribe("INSTANCE_STARTED", { group: "instances", action: "list" }, true);
    exports.onMessage = () => {};`;
  const t = await startProject({ "p/quiet.js": handler, "p/quiet.websocket": descriptor("quiet", "p/quiet") }, { outboundHosts: [`127.0.0.1:${e.port}`] });
  await waitUntil(() => acks(e).length === 1, 5000, "the send_now event's ack");
  e.raise("INSTANCE_STARTED", 1);
  await waitUntil(() => acks(e).length === 2, 5000, "the event's ack");
  const missing = t.logs.lines.filter((l) => /HookMissingError/.test(l.msg));
  expect(missing).toHaveLength(1);
  expect(missing[0]!.msg).toContain("p/quiet.js gets evQueue events from createCluster but exports no onEvqueueEvent: export onEvqueueEvent(node, info) from it");
});

it("closes a cluster made by code whose load then failed", async () => {
  const e = await engine();
  const make = (tail: string) => `require("net/v4/evqueue").createCluster(["${e.url}"]);\nexports.onMessage = () => {};\n${tail}`;
  const t = await startProject({ "p/h.js": make('throw new Error("broken at load");'), "p/h.websocket": descriptor("h", "p/h") }, { outboundHosts: [`127.0.0.1:${e.port}`] });
  await t.logs.waitFor((l) => /broken at load/.test(l.msg));
  const reloaded = nextReload(t.runtime, (r) => r.file === "p/h.js" && r.ok);
  await t.project.write("p/h.js", make(""));
  await reloaded;
  await waitUntil(() => e.connections("api").length >= 1, 5000, "the good code's cluster");
  // Only the good code's socket: the failed load's cluster never stayed.
  await waitUntil(() => e.connections("api").length === 1, 5000, "one socket");
  expect(t.logs.lines.filter((l) => /opened a cluster/.test(l.msg))).toHaveLength(2);
});

it("asks the hooks of the new code, not the old one's exports, about what happened while the new code was loading", async () => {
  const e = await engine();
  // The old code exports no onEvqueueState.
  const t = await startProject({ "p/r.js": "exports.onMessage = () => {};", "p/r.websocket": descriptor("r", "p/r") }, { outboundHosts: [`127.0.0.1:${e.port}`] });
  // The new code's top level waits until its node is READY: that state change comes while it loads.
  const handler = [
    'const cluster = require("net/v4/evqueue").createCluster(["' + e.url + '"]);',
    "const until = Date.now() + 5000;",
    'while (cluster.GetStates()[0] !== "READY" && Date.now() < until) {}',
    'console.log("LOADED " + cluster.GetStates()[0]);',
    'exports.onEvqueueState = (change) => console.log("STATE " + change.node + " " + change.state);',
    "exports.onMessage = () => {};",
  ].join("\n");
  const reloaded = nextReload(t.runtime, (r) => r.file === "p/r.js" && r.ok);
  await t.project.write("p/r.js", handler);
  await reloaded;
  expect(t.logs.messages()).toContain("LOADED READY");
  await t.logs.waitFor((l) => l.msg === "STATE n1 READY", 5000);
});
