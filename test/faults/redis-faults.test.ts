import { describe, expect, it } from "vitest";
import { RedisBus } from "../../src/bus/redis-bus.js";
import type { BusChannel, BusListener, Runtime } from "../../src/index.js";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { LogCapture, startProject, waitUntil } from "../helpers/runtime.js";
import { RedisServer } from "../helpers/redis-server.js";

/** "echo x" is answered by the node itself; anything else is broadcast to the endpoint on every node. */
const files = {
  "a/chat.js": `
    const ws = require("net/v4/websockets");
    exports.onMessage = (m, c) => {
      if (m.startsWith("echo ")) c.send(m.slice(5));
      else if (m === "flood") { for (let i = 0; i < 2000; i++) ws.broadcast("f" + i, { endpoint: "chat" }); c.send("flooded"); }
      else ws.broadcast(m, { endpoint: "chat" });
    };`,
  "a/chat.websocket": descriptor("chat", "a/chat"),
};

/** What an engine told its watcher, in order. */
function watchEngine(runtime: Runtime): { events: string[]; gaps: BusChannel[][] } {
  const seen = { events: [] as string[], gaps: [] as BusChannel[][] };
  const listener: BusListener = {
    ready: () => seen.events.push("ready"),
    error: (connection) => seen.events.push(`error ${connection}`),
    gap: (channels) => {
      seen.events.push("gap");
      seen.gaps.push([...channels]);
    },
  };
  runtime.watchEngine(listener);
  return seen;
}

const count = (events: string[], what: string) => events.filter((e) => e === what).length;

/** Waits until `client` has received `text` (other traffic may come before it). */
function heard(client: TestClient, text: string, timeoutMs = 5000): Promise<true> {
  return waitUntil(() => (client.messages.includes(text) ? true : undefined), timeoutMs, `"${text}" to arrive`);
}

async function twoNodes(redis: RedisServer) {
  const a = await startProject(files, { engine: "redis", redisUrl: redis.url, nodeName: "n1" });
  const b = await startProject(files, { engine: "redis", redisUrl: redis.url, nodeName: "n2" });
  const onA = await TestClient.connect(a.url("chat"));
  const onB = await TestClient.connect(b.url("chat"));
  // Both nodes subscribed: a broadcast from A reaches B.
  await waitUntil(async () => {
    onA.send("probe");
    return (await waitUntil(() => (onB.messages.includes("probe") ? true : undefined), 200, "probe").catch(() => undefined)) ?? undefined;
  }, 5000, "node B hearing node A");
  return { a, b, onA, onB };
}

describe("the redis engine when Redis fails", () => {
  it("keeps serving local sessions while Redis is killed, then resubscribes by itself, reports the gap, and carries broadcasts again", async () => {
    const redis = await RedisServer.start();
    const { a, b, onA, onB } = await twoNodes(redis);
    const seenA = watchEngine(a.runtime);
    const seenB = watchEngine(b.runtime);
    expect(seenA.events).toEqual(["ready"]);

    // Traffic from A while Redis dies.
    let sent = 0;
    const loop = setInterval(() => onA.send(`tick ${++sent}`), 10);
    try {
      await waitUntil(() => (sent > 10 ? true : undefined), 2000, "traffic");
      await redis.kill();
      await waitUntil(() => (seenA.events.includes("error publisher") && seenB.events.includes("error subscriber") ? true : undefined), 5000, "both nodes told of the failure");
      expect(a.runtime.engineStatus().state).toBe("reconnecting");
      expect(b.runtime.engineStatus().lastError).toMatch(/^(publisher|subscriber): /);
      // Each node still serves its own sessions (A's sessions still get A's own broadcasts, too).
      onA.send("echo still here A");
      onB.send("echo still here B");
      await heard(onA, "still here A");
      await heard(onB, "still here B");
      // Broadcasts made during the outage still reach the node's own sessions.
      await heard(onA, `tick ${sent + 3}`);

      await redis.restart();
      for (const seen of [seenA, seenB]) {
        await waitUntil(() => (count(seen.events, "ready") === 2 && count(seen.events, "gap") === 1 ? true : undefined), 10_000, "ready again and a gap");
      }
    } finally {
      clearInterval(loop);
    }
    // The gap names the channels that may have lost messages
    // (its broadcasts, and the channel of sendTo() messages for node n2's sessions of the project)
    expect(seenB.gaps[0]).toHaveLength(2);
    expect(seenB.gaps[0]).toEqual(expect.arrayContaining([{ project: "a", kind: "ws", name: "broadcast" }, { project: "a", kind: "node", name: "n2" }]));
    const status = b.runtime.engineStatus();
    expect(status).toMatchObject({ state: "ready", gaps: 1 });
    expect(status.lastGapAt).toBeGreaterThan(Date.now() - 20_000);
    onA.send("after the restart");
    await heard(onB, "after the restart");
    onB.send("and back");
    await heard(onA, "and back");
    // The nodes beat again on the new Redis (it lost everything).
    await waitUntil(() => (a.runtime.engineStatus().peers.length === 2 ? true : undefined), 5000, "peers seen again");
  });

  it("logs broadcasts refused while Redis is away within the handler's log budget, then says how many it left out", async () => {
    const redis = await RedisServer.start();
    const a = await startProject(files, { engine: "redis", redisUrl: redis.url, nodeName: "n1" });
    const onA = await TestClient.connect(a.url("chat"));
    const seen = watchEngine(a.runtime);
    await redis.kill();
    await waitUntil(() => (seen.events.includes("error publisher") ? true : undefined), 5000, "the publisher's failure");
    onA.send("flood");
    await heard(onA, "flooded");
    const dropped = await a.logs.waitFor((l) => /^dropped \d+ log lines and error reports from a\/chat\.js/.test(l.msg), 5000);
    const failures = a.logs.lines.filter((l) => /^websockets\.broadcast failed/.test(l.msg)).length;
    expect(failures).toBeLessThan(2000);
    expect(failures + Number(dropped.dropped)).toBeGreaterThanOrEqual(2000);
  });

  it("brings the subscriber back after CLIENT KILL TYPE pubsub during a publish loop, and reports the gap", async () => {
    const redis = await RedisServer.start();
    const { b, onA, onB } = await twoNodes(redis);
    const seenB = watchEngine(b.runtime);
    let sent = 0;
    const loop = setInterval(() => onA.send(`tick ${++sent}`), 5);
    try {
      await heard(onB, "tick 20");
      const killed = await redis.cli("client", "kill", "type", "pubsub");
      expect(Number(killed)).toBe(2);
      await waitUntil(() => (count(seenB.events, "gap") === 1 ? true : undefined), 5000, "the gap");
      const next = sent + 5;
      await heard(onB, `tick ${next}`);
    } finally {
      clearInterval(loop);
    }
    expect(seenB.events).toContain("error subscriber");
    expect(b.runtime.engineStatus()).toMatchObject({ state: "ready", gaps: 1 });
  });

  it("replaces a subscriber connection that stops answering PING (a silent drop), and reports the gap", async () => {
    const redis = await RedisServer.start();
    const log = new LogCapture().logger;
    const bus = new RedisBus({ url: redis.url, node: "n1", log, onError: () => undefined, pingMs: 200, pingTimeoutMs: 1000 });
    const events: string[] = [];
    try {
      await bus.start();
      bus.subscribe({ project: "p", kind: "ws", name: "broadcast" }, () => undefined);
      bus.watch({ ready: () => events.push("ready"), error: (c, e) => events.push(`error ${c}: ${e.message}`), gap: () => events.push("gap") });
      // Frozen: the TCP connections stay open, nothing answers.
      redis.pause();
      await waitUntil(() => (events.some((e) => e.includes("no answer to PING")) ? true : undefined), 5000, "the silent drop noticed");
      expect(events).toContain("error subscriber: no answer to PING within 1000 ms; reconnecting");
      redis.resume();
      await waitUntil(() => (events.includes("gap") ? true : undefined), 10_000, "the gap after the new connection");
      expect(bus.status()).toMatchObject({ state: "ready", gaps: 1 });
      expect(Number((await redis.cli("pubsub", "numsub", "aerostat:{p}:ws:broadcast")).trim().split("\n")[1])).toBe(1);
    } finally {
      redis.resume();
      await bus.close();
    }
  });

  it("after Redis returns, holds exactly the channels still in use (one given up during the outage is not subscribed again)", async () => {
    const redis = await RedisServer.start();
    const bus = new RedisBus({ url: redis.url, node: "n1", log: new LogCapture().logger, onError: () => undefined });
    const numsub = async (project: string) => Number((await redis.cli("pubsub", "numsub", `aerostat:{${project}}:ws:broadcast`)).trim().split("\n")[1]);
    try {
      await bus.start();
      let gaps = 0;
      bus.watch({ gap: () => gaps++ });
      bus.subscribe({ project: "kept", kind: "ws", name: "broadcast" }, () => undefined);
      const giveUp = bus.subscribe({ project: "dropped", kind: "ws", name: "broadcast" }, () => undefined);
      await waitUntil(async () => ((await numsub("kept")) === 1 && (await numsub("dropped")) === 1) || undefined, 5000, "both subscribed");
      await redis.kill();
      await waitUntil(() => (bus.status().state === "reconnecting" ? true : undefined), 5000, "the outage noticed");
      giveUp();
      await redis.restart();
      await waitUntil(() => (gaps === 1 ? true : undefined), 10_000, "the gap");
      expect(await numsub("kept")).toBe(1);
      expect(await numsub("dropped")).toBe(0);
    } finally {
      await bus.close();
    }
  });
});
