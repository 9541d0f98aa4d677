import { afterEach, describe, expect, it } from "vitest";
import { connect, type MonoRailClient, type MonoRailFrame } from "../../web/monorail.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil } from "../helpers/runtime.js";

// The MonoRail client from Node (global WebSocket), against a real server.

const files = {
  "p/rack.js": `
    const monorail = require("net/v4/monorail");
    monorail.resource("nodes", { all: () => [{ id: "1" }], watch: (params) => params.initial ? [{ id: "0" }] : undefined });
    exports.onMessage = () => {};`,
  "p/rack.websocket": descriptor("rack", "p/rack", { protocol: "monorail" }),
};

let rails: MonoRailClient[] = [];
afterEach(() => {
  for (const r of rails) r.disconnect();
  rails = [];
});

describe("the MonoRail client in Node", () => {
  it("is ready with the session id, answers all() through the URL's resource, and keeps one watch per type and params in any key order", async () => {
    const t = await startProject(files);
    const rail = connect(t.url("rack") + "/nodes", { minDelayMs: 50 });
    rails.push(rail);
    const lists: MonoRailFrame[] = [];
    rail.on("list", (msg) => lists.push(msg));
    const id = await new Promise<string>((resolve) => rail.ready(resolve));
    expect(id).toMatch(/^s\d+$/);
    expect(rail.sessionId).toBe(id);
    rail.all();
    await waitUntil(() => lists.length === 1, 5000, "the list");
    expect(lists[0]).toEqual({ handler: "list", resource: "nodes", type: "nodes", items: [{ id: "1" }] });

    rail.watch("nodes", { a: 1, b: 2, initial: true });
    rail.watch("nodes", { b: 2, initial: true, a: 1 });
    await waitUntil(() => t.runtime.monorailStats().watchers === 1, 5000, "one watcher");
    await waitUntil(() => lists.length === 2, 5000, "the watch's initial list");
    expect(rail.watches).toEqual([{ type: "nodes", params: { a: 1, b: 2, initial: true } }]);
    rail.stop("nodes", { initial: true, b: 2, a: 1 });
    await waitUntil(() => t.runtime.monorailStats().watchers === 0, 5000, "no watcher");
    expect(rail.watches).toEqual([]);
  });

  it("sends a watch made before connect() once the connection is up, and again after disconnect() and connect()", async () => {
    const t = await startProject(files);
    const { MonoRailClient } = await import("../../web/monorail.js");
    const rail = new MonoRailClient(t.url("rack"), { minDelayMs: 50 });
    rails.push(rail);
    const ready: string[] = [];
    rail.on("ready", (id) => ready.push(id));
    rail.watch("nodes", {});
    await waitUntil(() => t.runtime.monorailStats().watchers === 1, 5000, "the watch");
    rail.disconnect();
    await waitUntil(() => t.runtime.monorailStats().watchers === 0, 5000, "the watch gone with the connection");
    rail.connect();
    await waitUntil(() => t.runtime.monorailStats().watchers === 1, 5000, "the watch sent again");
    await waitUntil(() => ready.length === 2, 5000, "two sessions");
    expect(ready[0]).not.toBe(ready[1]);
  });
});
