import { describe, expect, it } from "vitest";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil, type TestRuntime } from "../helpers/runtime.js";
import { connectClosedAfterEach, MrClient } from "./mr-client.js";

// A change made while a watch is being set up (its watch() asked for the initial list) reaches the watcher, after that list.

const RACK = `
  const monorail = require("net/v4/monorail");
  monorail.resource("nodes", {
    watch: (params) => {
      console.log("watch asked " + params.n);
      return new Promise((resolve) => setTimeout(() => resolve([{ id: "1" }]), 500));
    },
    filter: (params, change) => change.data.n === params.n,
  });
  monorail.resource("racks", {
    watch: () => {
      console.log("racks watch asked");
      return new Promise((resolve) => setTimeout(() => { console.log("racks watch answers"); resolve([]); }, 500));
    },
  });
  exports.onMessage = () => {};
`;

const CONTROL = `
  const monorail = require("net/v4/monorail");
  exports.onMessage = (message, c) => {
    const m = JSON.parse(message);
    monorail.item(m.resource, m.id, m.data);
    c.send(JSON.stringify({ handler: "done" }));
  };
`;

const files = {
  "p/rack.js": RACK,
  "p/rack.websocket": descriptor("rack", "p/rack", { protocol: "monorail" }),
  "p/control.js": CONTROL,
  "p/control.websocket": descriptor("control", "p/control"),
};

const connect = connectClosedAfterEach();

async function client(t: TestRuntime, endpoint: string): Promise<MrClient> {
  return connect(t.url(endpoint));
}

describe("MonoRail watch set-up", () => {
  it("sends changes made while watch() answers after the initial list, through the resource's filter", async () => {
    const t = await startProject(files);
    const c = await client(t, "rack");
    const control = await client(t, "control");
    c.send({ handler: "watch", resource: "nodes", params: { n: 1 } });
    await t.logs.waitFor((l) => l.msg.includes("watch asked 1"));
    control.send({ resource: "nodes", id: "a", data: { n: 1 } });
    control.send({ resource: "nodes", id: "b", data: { n: 2 } });
    control.send({ resource: "nodes", id: "c", data: { n: 1 } });
    await waitUntil(() => control.frames.length === 3, 5000, "the control script");
    await waitUntil(() => c.frames.length >= 3, 5000, "the list and two changes");
    expect(c.frames.map((f) => [f.handler, f.id ?? null])).toEqual([["list", null], ["item", "a"], ["item", "c"]]);
  });

  it("sends nothing held to a watch that was stopped while it was set up", async () => {
    const t = await startProject(files);
    const c = await client(t, "rack");
    const control = await client(t, "control");
    c.send({ handler: "watch", resource: "racks", params: {} });
    await t.logs.waitFor((l) => l.msg.includes("racks watch asked"));
    control.send({ resource: "racks", id: "r1", data: {} });
    await waitUntil(() => control.frames.length === 1, 5000, "the control script");
    c.send({ handler: "stop", resource: "racks", params: {} });
    await waitUntil(() => t.runtime.monorailStats().watchers === 0, 5000, "the stop");
    // watch() answers after the stop: neither its list nor the held change goes out.
    await t.logs.waitFor((l) => l.msg.includes("racks watch answers"));
    expect(await c.ask({ handler: "init" }, 5000)).toMatchObject({ handler: "session" });
    expect(c.frames.map((f) => f.handler)).toEqual(["session"]);
  });
});
