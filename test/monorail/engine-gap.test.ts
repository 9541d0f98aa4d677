import { describe, expect, it } from "vitest";
import { descriptor } from "../helpers/project.js";
import { RedisServer } from "../helpers/redis-server.js";
import { startProject, waitUntil } from "../helpers/runtime.js";
import { MrClient } from "./mr-client.js";

// Redis pub/sub is at-most-once: after the engine's subscriber was away, watchers are asked to reconnect.

const files = {
  "p/rack.js": `
    const monorail = require("net/v4/monorail");
    monorail.resource("nodes", { all: () => [] });
    monorail.resource("racks", { all: () => [] });
    exports.onMessage = () => {};`,
  "p/rack.websocket": descriptor("rack", "p/rack", { protocol: "monorail" }),
};

describe("MonoRail after an engine gap", () => {
  it("closes the connections watching a resource with 1012 when its changes may have been lost; others stay", async () => {
    const redis = await RedisServer.start();
    const t = await startProject(files, { engine: "redis", redisUrl: redis.url, nodeName: "n1" });
    const watching = await MrClient.connect(t.url("rack") + "/nodes");
    const idle = await MrClient.connect(t.url("rack") + "/nodes");
    try {
      watching.send({ handler: "watch", params: {} });
      await waitUntil(() => t.runtime.monorailStats().watchers === 1, 5000, "the watcher");
      const closed = new Promise<{ code: number; reason: string }>((resolve) => watching.ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
      // The engine's subscriber connection is dropped: it reconnects and resubscribes, raising a gap.
      await redis.cli("CLIENT", "KILL", "TYPE", "pubsub");
      expect(await closed).toEqual({ code: 1012, reason: "missed changes; reconnect" });
      const line = await t.logs.waitFor((l) => l.msg.startsWith("MonoRail: changes of 1 watched resource(s) may have been lost"));
      expect(line.msg).toContain("(nodes); 1 connection(s) watching them are asked to reconnect");
      await waitUntil(() => t.runtime.monorailStats().watchers === 0, 5000, "the watcher gone");
      // A connection that watched nothing stays.
      expect(await idle.ask({ handler: "all" })).toMatchObject({ handler: "list", resource: "nodes" });
    } finally {
      await watching.close();
      await idle.close();
      await t.runtime.close(500);
      await redis.stop();
    }
  });
});
