import { describe, expect, it } from "vitest";
import { descriptor } from "../helpers/project.js";
import { RedisServer } from "../helpers/redis-server.js";
import { TaggedClient } from "../helpers/tagged-client.js";
import { startProject, waitUntil } from "../helpers/runtime.js";

/** net/v4/events and the cluster-wide websockets calls, driven by JSON commands; answers are JSON tagged by the command. */
const HANDLER = `
  const events = require("net/v4/events");
  const websockets = require("net/v4/websockets");
  let readyRuns = 0;
  const errors = [];
  events.onready(() => { readyRuns++; });
  events.onerror((store, error) => { errors.push(store); });
  exports.onMessage = async (m, connection) => {
    const cmd = JSON.parse(m);
    const reply = (v) => connection.send(JSON.stringify({ tag: cmd.tag, ...v }));
    switch (cmd.op) {
      case "id": return reply({ id: connection.id });
      case "on":
        events.on(cmd.name, cmd.id, cmd.ms).then((args) => reply({ args }), (e) => reply({ error: e.name }));
        return reply({ armed: true });
      case "emit":
        try { await events.emit(cmd.name, cmd.id, ...cmd.args); return reply({ emitted: true }); }
        catch (e) { return reply({ error: e.message }); }
      case "send": return reply({ sent: await websockets.sendTo(cmd.to, cmd.bytes ? new Uint8Array(cmd.bytes) : cmd.text) });
      case "count": return reply({ count: await websockets.countSessions(cmd.endpoint) });
      case "state": return reply({ readyRuns, errors });
    }
  };`;

const files = { "p/ev.js": HANDLER, "p/ev.websocket": descriptor("ev", "p/ev"), "p/other.websocket": descriptor("other", "p/ev") };

async function twoNodes(redis: RedisServer) {
  const a = await startProject(files, { engine: "redis", redisUrl: redis.url, nodeName: "n1" });
  const b = await startProject(files, { engine: "redis", redisUrl: redis.url, nodeName: "n2" });
  await b.logs.waitFor((l) => l.msg === "engine redis: node n2, 2 peers seen");
  return { a, b };
}

describe("net/v4/events, sendTo and countSessions across two nodes on one Redis", () => {
  it("resolves a waiter on node A with an emit on node B, every waiter once, and a retained event later", async () => {
    const redis = await RedisServer.start();
    const { a, b } = await twoNodes(redis);
    const onA = await TaggedClient.connect(a.url("ev"));
    const onA2 = await TaggedClient.connect(a.url("ev"));
    const onB = await TaggedClient.connect(b.url("ev"));
    await onA.send({ op: "on", name: "job", id: 7, ms: 5000, tag: "a" }, "armed");
    await onA2.send({ op: "on", name: "job", id: 7, ms: 5000, tag: "a2" }, "armed");
    await onB.send({ op: "on", name: "job", id: 7, ms: 5000, tag: "b" }, "armed");
    await waitUntil(async () => (await redis.cli("pubsub", "numsub", "aerostat:{p}:ev:events")).trim().endsWith("2") || undefined, 5000, "both nodes on the events channel");
    await onB.send({ op: "emit", name: "job", id: 7, args: ["done", 42] }, "emitted");
    for (const [node, tag] of [[onA, "a"], [onA2, "a2"], [onB, "b"]] as const) expect((await node.next(tag, "args")).args).toEqual(["done", 42]);
    await waitUntil(() => a.runtime.eventStats().waiters === 0 || undefined, 5000, "A's map empty");
    expect(a.runtime.eventStats()).toEqual({ waiters: 0, channels: 0 });
    // Settled waiters leave no subscription behind on either node.
    await waitUntil(async () => (await redis.cli("pubsub", "numsub", "aerostat:{p}:ev:events")).trim().endsWith("0") || undefined, 5000, "no node on the events channel");
    for (const n of [onA, onA2, onB]) expect(n.answers(n === onA ? "a" : n === onA2 ? "a2" : "b")).toHaveLength(2);

    await onB.send({ op: "emit", name: "result", id: 1, args: ["kept", { retainMs: 5000 }] }, "emitted");
    await onA.send({ op: "on", name: "result", id: 1, ms: 2000, tag: "late" }, "armed");
    expect((await onA.next("late", "args")).args).toEqual(["kept"]);
  }, 30_000);

  it("sends to a session of the other node, counts the sessions of both", async () => {
    const redis = await RedisServer.start();
    const { a, b } = await twoNodes(redis);
    const onA = await TaggedClient.connect(a.url("ev"));
    const onB = await TaggedClient.connect(b.url("ev"));
    await TaggedClient.connect(a.url("other"));
    const bId = String((await onB.send({ op: "id" }, "id")).id);
    expect(bId).toBe("n2.s1");
    expect((await onA.send({ op: "send", to: bId, text: "hello from A" }, "sent")).sent).toBe(true);
    await waitUntil(() => onB.client.messages.includes("hello from A") || undefined, 5000, "B's session to get it");
    expect((await onA.send({ op: "send", to: bId, bytes: [7, 8] }, "sent")).sent).toBe(true);
    await waitUntil(() => onB.client.messages.some((m) => Buffer.isBuffer(m) && m.equals(Buffer.from([7, 8]))) || undefined, 5000, "the bytes");
    expect((await onA.send({ op: "send", to: "n1.s999", text: "x" }, "sent")).sent).toBe(false);
    await waitUntil(async () => (await onA.send({ op: "count" }, "count")).count === 3 || undefined, 5000, "3 sessions");
    expect((await onB.send({ op: "count" }, "count")).count).toBe(3);
    expect((await onB.send({ op: "count", endpoint: "ev" }, "count")).count).toBe(2);
    onB.client.close();
    await onB.client.closed;
    await waitUntil(async () => (await onA.send({ op: "count", endpoint: "ev" }, "count")).count === 1 || undefined, 5000, "the count to drop");
  }, 30_000);

  it("tells scripts of a lost Redis (onerror) and runs onready again when it is back", async () => {
    const redis = await RedisServer.start();
    const { a } = await twoNodes(redis);
    const onA = await TaggedClient.connect(a.url("ev"));
    await waitUntil(async () => ((await onA.send({ op: "state" }, "readyRuns")).readyRuns === 1 ? true : undefined), 5000, "onready");
    await redis.kill();
    await waitUntil(async () => (((await onA.send({ op: "state" }, "errors")).errors as string[]).length > 0 ? true : undefined), 10_000, "onerror");
    const errors = (await onA.send({ op: "state" }, "errors")).errors as string[];
    expect(errors.every((s) => s === "inputStore" || s === "outputStore")).toBe(true);
    await redis.restart();
    await waitUntil(async () => ((await onA.send({ op: "state" }, "readyRuns")).readyRuns === 2 ? true : undefined), 15_000, "onready again");
  }, 40_000);
});
