import { describe, expect, it } from "vitest";
import { descriptor } from "../helpers/project.js";
import { RedisServer } from "../helpers/redis-server.js";
import { startProject, waitUntil, type TestRuntime } from "../helpers/runtime.js";
import { MrClient } from "./mr-client.js";

const files = {
  "p/rack.js": `
    const monorail = require("net/v4/monorail");
    monorail.resource("nodes", { all: () => [] });
    exports.onMessage = (message, c) => {
      const m = JSON.parse(message);
      monorail.change("nodes", m.event, m.id, m.record);
    };`,
  "p/rack.websocket": descriptor("rack", "p/rack", { protocol: "monorail" }),
  "p/control.js": `
    const monorail = require("net/v4/monorail");
    exports.onMessage = (message) => { const m = JSON.parse(message); monorail.change("nodes", m.event, m.id, m.record); };`,
  "p/control.websocket": descriptor("control", "p/control"),
};

describe("MonoRail across two nodes on one Redis", () => {
  it("delivers a change made by a script on node A to a watcher on node B, once each and in order", async () => {
    const redis = await RedisServer.start();
    const a = await startProject(files, { engine: "redis", redisUrl: redis.url, nodeName: "n1" });
    const b = await startProject(files, { engine: "redis", redisUrl: redis.url, nodeName: "n2" });
    await b.logs.waitFor((l) => l.msg === "engine redis: node n2, 2 peers seen");
    const watcher = await MrClient.connect(b.url("rack") + "/nodes");
    const control = await MrClient.connect(a.url("control"));
    const change = (_node: TestRuntime, c: MrClient, event: string, id: string, record: unknown) => c.send({ event, id, record });
    try {
      watcher.send({ handler: "watch", params: { rack: "x" } });
      await waitUntil(() => b.runtime.monorailStats().watchers === 1, 5000, "the watcher on node B");
      // Node B's Redis subscription is confirmed once a probe published on A arrives.
      await waitUntil(() => {
        change(a, control, "updated", "probe", null);
        return watcher.frames.length > 0;
      }, 5000, "a probe from node A");
      const real = () => watcher.frames.filter((f) => JSON.stringify(f.id) !== '["updated","probe"]');
      change(a, control, "created", "42", { id: "42", name: "rack-a" });
      change(a, control, "updated", "42", { id: "42", name: "rack-b" });
      change(a, control, "destroyed", "42", { id: "42" });
      await waitUntil(() => real().length >= 3, 5000, "three changes on node B");
      expect(real()).toEqual([
        { handler: "item", resource: "nodes", type: "nodes", id: ["created", "42"], data: { id: "42", name: "rack-a" } },
        { handler: "item", resource: "nodes", type: "nodes", id: ["updated", "42"], data: { id: "42", name: "rack-b" } },
        { handler: "remove", resource: "nodes", type: "nodes", id: "42", data: { id: "42" } },
      ]);
      // The session id names node B.
      watcher.send({ handler: "init" });
      const session = await waitUntil(() => watcher.frames.find((f) => f.handler === "session"), 5000, "the session frame");
      expect(session.id).toMatch(/^n2\.s\d+$/);
    } finally {
      await watcher.close();
      await control.close();
      await a.runtime.close(500);
      await b.runtime.close(500);
      await redis.stop();
    }
  });
});
