import { describe, expect, it } from "vitest";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil, type TestRuntime } from "../helpers/runtime.js";
import { connectClosedAfterEach, MrClient } from "./mr-client.js";

// What one connection, or many, may make the server hold for MonoRail watchers and asks.

const RACK = `
  const monorail = require("net/v4/monorail");
  monorail.resource("nodes", { all: () => [] });
  monorail.resource("slow", { all: () => new Promise(() => {}) });
  monorail.resource("kinds", {
    filter: (params, change) => {
      if (change.id === "block") { const end = Date.now() + 300; while (Date.now() < end); }
      return true;
    },
  });
  exports.onMessage = () => {};
`;

// Another endpoint of the same project: its script sends the changes.
const CONTROL = `
  const monorail = require("net/v4/monorail");
  exports.onMessage = (message, c) => {
    const m = JSON.parse(message);
    for (const [resource, id] of m.items) monorail.item(resource, id, { id });
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

async function client(t: TestRuntime, path = "rack"): Promise<MrClient> {
  return connect(t.url(path));
}

describe("MonoRail watch limits", () => {
  it("refuses watch params over 4096 characters of canonical JSON with an error frame naming the limit", async () => {
    const t = await startProject(files);
    const c = await client(t);
    const big = await c.ask({ handler: "watch", resource: "nodes", params: { q: "x".repeat(5000) } });
    expect(big).toMatchObject({ handler: "error", resource: "nodes", params: { name: "BadFrameError" } });
    expect(big.params!.message).toContain("at most 4096");
    expect(t.runtime.monorailStats().watchers).toBe(0);
    // Params just under the limit make a watcher.
    c.send({ handler: "watch", resource: "nodes", params: { q: "x".repeat(4000) } });
    await waitUntil(() => t.runtime.monorailStats().watchers === 1, 5000, "the watcher");
  });

  it("answers asks past 1,000 waiting for the handler, across its connections, with BusyError; asks are taken again once those settle", async () => {
    const t = await startProject({ ...files, "p/rack.websocket": descriptor("rack", "p/rack", { protocol: "monorail", monorail: { hookTimeoutMs: 4000 } }) });
    // 70 connections × 16 asks of a resource that never answers: 1,120 asks, 1,000 of them taken.
    const clients = await Promise.all(Array.from({ length: 70 }, () => client(t)));
    for (const c of clients) for (let i = 0; i < 16; i++) c.send({ handler: "all", resource: "slow" });
    const busy = () => clients.flatMap((c) => c.frames.filter((f) => f.params?.name === "BusyError"));
    await waitUntil(() => busy().length === 120, 10_000, "120 BusyError frames");
    expect(busy()[0]!.params!.message).toContain("ask again later");
    expect(busy()[0]).toMatchObject({ handler: "error", resource: "slow" });
    await t.logs.waitFor((l) => l.msg.includes("resource asks waiting, its limit"));
    // The 1,000 taken time out; then the handler answers again.
    await waitUntil(() => clients.every((c) => c.frames.length === 16), 15_000, "every ask answered");
    expect(clients.flatMap((c) => c.frames).filter((f) => f.params?.name === "TimeoutError")).toHaveLength(1000);
    const fresh = await client(t);
    expect(await fresh.ask({ handler: "all", resource: "nodes" })).toMatchObject({ handler: "list", items: [] });
  }, 30_000);

  it("keeps at most 1,000 changes of a resource waiting behind a slow filter(), dropping the oldest and logging how many", async () => {
    const t = await startProject(files);
    const c = await client(t);
    c.send({ handler: "watch", resource: "kinds", params: {} });
    await waitUntil(() => t.runtime.monorailStats().watchers === 1, 5000, "the watcher");
    const control = await client(t, "control");
    // One change that filter() is slow about, and 1,500 more made meanwhile.
    const items = [["kinds", "block"], ...Array.from({ length: 1500 }, (_, i) => ["kinds", i])];
    control.ws.send(JSON.stringify({ items }));
    await waitUntil(() => c.frames.some((f) => f.id === 1499), 10_000, "the last change");
    const dropped = () => t.logs.lines.filter((l) => typeof l.dropped === "number").reduce((n, l) => n + (l.dropped as number), 0);
    await waitUntil(() => dropped() === 500, 5000, "500 dropped changes logged");
    expect(t.logs.lines.find((l) => typeof l.dropped === "number")!.msg).toContain('MonoRail resource "kinds": 1 change(s) dropped, the oldest of more than 1000 waiting for filter()');
    // The slow one, then the newest 1,000.
    expect(c.frames.map((f) => f.id)).toEqual(["block", ...Array.from({ length: 1000 }, (_, i) => 500 + i)]);
  });
});
