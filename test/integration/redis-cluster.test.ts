import { describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil } from "../helpers/runtime.js";
import { startRedisCluster } from "../helpers/redis-server.js";

const files = {
  "a/chat.js": `
    const ws = require("net/v4/websockets");
    exports.onMessage = (m) => ws.broadcast(m, { endpoint: "chat" });`,
  "a/chat.websocket": descriptor("chat", "a/chat"),
  "b/chat.js": `
    const ws = require("net/v4/websockets");
    exports.onMessage = (m) => ws.broadcast(m, { endpoint: "chat-b" });`,
  "b/chat.websocket": descriptor("chat-b", "b/chat"),
};

describe("the redis engine on a Redis Cluster (--redis-cluster: sharded pub/sub)", () => {
  it("carries a broadcast between two nodes through SPUBLISH/SSUBSCRIBE, once to the sender's node, projects apart", async () => {
    const cluster = await startRedisCluster(3);
    const options = { engine: "redis" as const, redisUrl: cluster[0]!.url, redisCluster: true };
    const a = await startProject(files, { ...options, nodeName: "n1" });
    const b = await startProject(files, { ...options, nodeName: "n2" });
    await b.logs.waitFor((l) => l.msg === "engine redis: node n2, 2 peers seen");

    const onA = await TestClient.connect(a.url("chat"));
    const onB = await TestClient.connect(b.url("chat"));
    const otherOnB = await TestClient.connect(b.url("chat-b"));
    // Sharded subscriptions live on the shard that owns the project's slot.
    await waitUntil(async () => {
      const counts = await Promise.all(cluster.map(async (n) => Number((await n.cli("pubsub", "shardnumsub", "aerostat:{a}:ws:broadcast")).trim().split("\n")[1])));
      return counts.reduce((x, y) => x + y, 0) === 2 || undefined;
    }, 5000, "both nodes subscribed on the shard of project a");

    onA.send("over the cluster");
    expect(await onB.received(1)).toEqual(["over the cluster"]);
    onB.send("and back");
    expect(await onA.received(2)).toEqual(["over the cluster", "and back"]);
    otherOnB.send("b only");
    expect(await otherOnB.received(1)).toEqual(["b only"]);
    expect(a.runtime.engineStatus()).toMatchObject({ engine: "redis", node: "n1", state: "ready" });

    // The shard's subscriber connections are killed: they come back, and the gap is reported.
    const gaps: number[] = [];
    b.runtime.watchEngine({ gap: (channels) => gaps.push(channels.length) });
    await Promise.all(cluster.map((n) => n.cli("client", "kill", "type", "pubsub")));
    await waitUntil(() => (gaps.length > 0 ? true : undefined), 5000, "the gap on node B");
    await waitUntil(() => (b.runtime.engineStatus().state === "ready" ? true : undefined), 5000, "node B ready again");
    onA.send("after the kill");
    expect((await onB.received(3))[2]).toBe("after the kill");
  });
});
