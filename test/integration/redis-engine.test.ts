import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createClient } from "redis";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { DashboardSnapshot } from "../../src/dashboard/snapshot.js";
import type { Runtime } from "../../src/index.js";
import { RedisBus } from "../../src/bus/redis-bus.js";
import { createRuntime } from "../../src/index.js";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { LogCapture, startProject, waitUntil } from "../helpers/runtime.js";
import { freePort, RedisServer } from "../helpers/redis-server.js";
import { CliProcess, killAll } from "../helpers/cli-process.js";

afterEach(() => killAll());

/** Two projects: "a" broadcasts what a session sends to its endpoint; "b" the same on its own. */
const files = {
  "a/chat.js": `
    const ws = require("net/v4/websockets");
    exports.onOpen = (c) => c.send("id " + c.id);
    exports.onMessage = (m) => ws.broadcast(m, { endpoint: "chat" });`,
  "a/chat.websocket": descriptor("chat", "a/chat"),
  "b/other.js": `
    const ws = require("net/v4/websockets");
    exports.onMessage = (m) => ws.broadcast(m, { endpoint: "other" });`,
  "b/other.websocket": descriptor("other", "b/other"),
};

/** Nodes subscribed to a project's broadcasts, as Redis counts them. */
async function subscribers(redis: RedisServer, project: string): Promise<number> {
  const out = await redis.cli("pubsub", "numsub", `aerostat:{${project}}:ws:broadcast`);
  return Number(out.trim().split("\n")[1]);
}

/** The first snapshot the dashboard's live socket pushes that passes `ok`. */
async function dashboardSnapshot(runtime: Runtime, ok: (s: DashboardSnapshot) => boolean): Promise<DashboardSnapshot> {
  const url = new URL(runtime.dashboardUrl!.replace(/^http/, "ws"));
  url.pathname = "/websockets/v4/dashboard";
  const ws = new WebSocket(url);
  let latest: DashboardSnapshot | undefined;
  ws.on("message", (data) => (latest = JSON.parse(data.toString()) as DashboardSnapshot));
  try {
    return await waitUntil(() => (latest && ok(latest) ? latest : undefined), 8000, "a dashboard snapshot");
  } finally {
    ws.close();
  }
}

describe("the redis engine: several nodes on one Redis", () => {
  it("logs a watcher that throws, and goes on telling the others", async () => {
    const redis = await RedisServer.start();
    const { runtime, logs } = await startProject({}, { engine: "redis", redisUrl: redis.url, nodeName: "w1" });
    let told = 0;
    expect(() => runtime.watchEngine({ ready: () => { throw new Error("watcher bug"); } })).not.toThrow();
    runtime.watchEngine({ ready: () => void told++ });
    expect(told).toBe(1);
    await logs.waitFor((l) => l.msg === "engine redis: a watcher of the engine threw");
  });

  it("carries a broadcast from node A to sessions on node B, once to A's own sessions, and keeps projects apart", async () => {
    const redis = await RedisServer.start();
    const a = await startProject(files, { engine: "redis", redisUrl: redis.url, nodeName: "n1" });
    const b = await startProject(files, { engine: "redis", redisUrl: redis.url, nodeName: "n2" });
    await a.logs.waitFor((l) => l.msg === "engine redis: node n1, 1 peer seen");
    await b.logs.waitFor((l) => l.msg === "engine redis: node n2, 2 peers seen");

    const onA = await TestClient.connect(a.url("chat"));
    const onB = await TestClient.connect(b.url("chat"));
    const otherOnB = await TestClient.connect(b.url("other"));
    // Session ids name the node that holds them.
    expect(String((await onA.received(1))[0])).toBe("id n1.s1");
    expect(String((await onB.received(1))[0])).toBe("id n2.s1");
    await waitUntil(async () => (await subscribers(redis, "a")) === 2 || undefined, 5000, "both nodes subscribed to project a");

    onA.send("hello from A");
    expect((await onB.received(2))[1]).toBe("hello from A");
    expect((await onA.received(2))[1]).toBe("hello from A");
    onB.send("hello from B");
    expect((await onA.received(3))[2]).toBe("hello from B");
    // A's session got each message once: the echo of A's own publish from Redis was dropped.
    expect(onA.messages).toEqual(["id n1.s1", "hello from A", "hello from B"]);
    expect((await onB.received(3)).slice(1)).toEqual(["hello from A", "hello from B"]);
    // Project b's session on node B heard nothing of project a: its own broadcast is the first thing it gets.
    otherOnB.send("b only");
    expect(await otherOnB.received(1)).toEqual(["b only"]);

    await waitUntil(() => (a.runtime.engineStatus().peers.length === 2 ? true : undefined), 5000, "node A seeing node B");
    expect(a.runtime.engineStatus()).toMatchObject({ engine: "redis", node: "n1", state: "ready", peers: ["n1", "n2"], gaps: 0 });
    expect(b.runtime.engineStatus().peers).toEqual(["n1", "n2"]);
  });

  it("shows the engine on the dashboard: name, node, state, peers, gaps and the last error", async () => {
    const redis = await RedisServer.start();
    const a = await startProject(files, { engine: "redis", redisUrl: redis.url, nodeName: "n1" });
    const b = await startProject(files, { engine: "redis", redisUrl: redis.url, nodeName: "n2" });
    const both = await dashboardSnapshot(a.runtime, (s) => s.engine.peers.length === 2);
    expect(both.engine).toEqual({ engine: "redis", node: "n1", state: "ready", peers: ["n1", "n2"], gaps: 0 });
    await b.runtime.close();
    // A session of project a makes node A subscribe; killing that connection makes a gap.
    await TestClient.connect(a.url("chat"));
    await waitUntil(async () => (await subscribers(redis, "a")) === 1 || undefined, 5000, "node A subscribed to project a");
    await redis.cli("client", "kill", "type", "pubsub");
    const after = await dashboardSnapshot(a.runtime, (s) => s.engine.gaps === 1 && s.engine.state === "ready" && s.engine.peers.length === 1);
    expect(after.engine).toMatchObject({ peers: ["n1"], gaps: 1, lastError: expect.stringMatching(/^subscriber: /) });
    expect(after.engine.lastGapAt).toBeGreaterThan(Date.now() - 10_000);
    const memory = await startProject(files);
    expect((await dashboardSnapshot(memory.runtime, () => true)).engine).toEqual({ engine: "memory", node: "", state: "ready", peers: [], gaps: 0 });
  });

  it("adds presence counts across nodes; a closed node's counts go at once, a silent node's when its heartbeat expires", async () => {
    const redis = await RedisServer.start();
    const log = new LogCapture().logger;
    const heartbeat = { everyMs: 100, ttlMs: 600 };
    const make = (node: string) => new RedisBus({ url: redis.url, node, log, onError: () => undefined, heartbeat });
    const [one, two] = [make("n1"), make("n2")];
    try {
      await one.start();
      await two.start();
      one.presence("p", "chat", 2);
      two.presence("p", "chat", 3);
      two.presence("q", "chat", 1);
      await waitUntil(async () => ((await one.countPresence("p", "chat")) === 5 ? true : undefined), 3000, "5 sessions across two nodes");
      expect(await two.countPresence("p", "chat")).toBe(5);
      expect(await one.countPresence("q", "chat")).toBe(1);
      one.presence("p", "chat", -1);
      await waitUntil(async () => ((await two.countPresence("p", "chat")) === 4 ? true : undefined), 3000, "4 after one left");

      // A node that stops beating without cleaning up (a crash): its field stays, its heartbeat expires.
      const raw = createClient({ url: redis.url });
      await raw.connect();
      await raw.hSet("aerostat:{p}:presence:chat", "ghost", "7");
      await raw.set("aerostat:{nodes}:heartbeat:ghost", "1", { expiration: { type: "PX", value: 600 } });
      await raw.sAdd("aerostat:{nodes}:members", "ghost");
      expect(await one.countPresence("p", "chat")).toBe(11);
      const before = Date.now();
      await waitUntil(async () => ((await one.countPresence("p", "chat")) === 4 ? true : undefined), 3000, "the silent node's count expired");
      // Within the TTL (600 ms), with room for a busy machine.
      expect(Date.now() - before).toBeLessThan(600 + 2000);
      await waitUntil(() => (one.status().peers.includes("ghost") ? undefined : true), 3000, "the silent node gone from the peers");
      expect(await raw.hExists("aerostat:{p}:presence:chat", "ghost")).toBe(0);

      await two.close();
      expect(await one.countPresence("p", "chat")).toBe(1);
      await waitUntil(() => (one.status().peers.join() === "n1" ? true : undefined), 3000, "n2 gone from the peers");
      await raw.close();
    } finally {
      await one.close();
      await two.close();
    }
  });

  it("warns when two live nodes share a node name (they would drop each other's messages as echoes)", async () => {
    const redis = await RedisServer.start();
    const [first, second] = [new LogCapture(), new LogCapture()];
    const make = (logs: LogCapture) => new RedisBus({ url: redis.url, node: "n1", log: logs.logger, onError: () => undefined, heartbeat: { everyMs: 100, ttlMs: 1000 } });
    const one = make(first);
    const two = make(second);
    try {
      await one.start();
      await two.start();
      const line = await second.waitFor((l) => l.level === 40 && l.msg.includes('uses the node name "n1"'));
      expect(line.msg).toContain("give each node its own --node-name");
      await first.waitFor((l) => l.msg.includes('uses the node name "n1"'));
      // One warning per run, not one per beat.
      await new Promise((r) => setTimeout(r, 300));
      expect(second.lines.filter((l) => l.msg.includes("uses the node name")).length).toBe(1);
    } finally {
      await one.close();
      await two.close();
    }
    // A node alone under its name says nothing.
    const logs = new LogCapture();
    const alone = new RedisBus({ url: redis.url, node: "n2", log: logs.logger, onError: () => undefined, heartbeat: { everyMs: 100, ttlMs: 1000 } });
    await alone.start();
    await new Promise((r) => setTimeout(r, 300));
    await alone.close();
    expect(logs.messages().filter((m) => m.includes("uses the node name"))).toEqual([]);
  });

  it("closes promptly while Redis is away", async () => {
    const redis = await RedisServer.start();
    const bus = new RedisBus({ url: redis.url, node: "n1", log: new LogCapture().logger, onError: () => undefined });
    await bus.start();
    bus.subscribe({ project: "p", kind: "ws", name: "broadcast" }, () => undefined);
    bus.presence("p", "chat", 1);
    await redis.kill();
    await waitUntil(() => (bus.status().state === "reconnecting" ? true : undefined), 5000, "the engine noticing");
    await expect(bus.publish({ project: "p", kind: "ws", name: "broadcast" }, "x")).rejects.toThrow(/^engine redis: not connected to redis:\/\/127\.0\.0\.1:\d+; the message reached this node's sessions only$/);
    await expect(bus.countPresence("p", "chat")).rejects.toThrow(/not connected/);
    const started = Date.now();
    await bus.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(bus.status().state).toBe("closed");
  });

  it("keeps values for a while, readable from every node", async () => {
    const redis = await RedisServer.start();
    const log = new LogCapture().logger;
    const one = new RedisBus({ url: redis.url, node: "n1", log, onError: () => undefined });
    const two = new RedisBus({ url: redis.url, node: "n2", log, onError: () => undefined });
    try {
      await one.start();
      await two.start();
      const channel = { project: "p", kind: "ev", name: "done" };
      await one.retain(channel, "42", '["ok"]', 300);
      expect(await two.retained(channel, "42")).toBe('["ok"]');
      expect(await two.retained({ ...channel, project: "q" }, "42")).toBeUndefined();
      await waitUntil(async () => ((await two.retained(channel, "42")) === undefined ? true : undefined), 2000, "the value expired");
    } finally {
      await one.close();
      await two.close();
    }
  });

  it("fails listen() with one sentence naming the URL (never its password) when Redis cannot be reached", async () => {
    const port = await freePort();
    const logs = new LogCapture();
    const runtime = createRuntime({ projectRoot: ".", port: 0, logger: logs.logger, engine: "redis", redisUrl: `redis://:s3cret@127.0.0.1:${port}`, nodeName: "n1" });
    try {
      const error = await runtime.listen().then(() => undefined, (e: unknown) => e as Error & { code?: string });
      expect(error?.code).toBe("AEROSTAT_ENGINE_UNREACHABLE");
      expect(error?.message).toContain(`Redis at redis://:***@127.0.0.1:${port}`);
      expect(error?.message).toContain("start Redis there, or pass --redis-url");
      expect(error?.message).not.toContain("s3cret");
      expect(JSON.stringify(logs.lines)).not.toContain("s3cret");
      expect(runtime.server.listening).toBe(false);
    } finally {
      await runtime.close();
    }
  });

  it("checks the engine options and names the one at fault", async () => {
    const make = (o: object) => () => createRuntime({ projectRoot: ".", ...o }).close();
    expect(make({ engine: "nats" })).toThrow(/option "engine"/);
    expect(make({ redisUrl: "redis://127.0.0.1:6379" })).toThrow('option "redisUrl": is used by the redis engine only; set engine to "redis"');
    expect(make({ engine: "redis", redisUrl: "http://x" })).toThrow('option "redisUrl": must start with redis:// or rediss://');
    expect(make({ engine: "redis", nodeName: "a.b" })).toThrow('option "nodeName": must be 1 to 64 letters, digits, "-" or "_"');
    delete process.env.AEROSTAT_TEST_NO_SUCH_URL;
    expect(make({ engine: "redis", redisUrl: "env:AEROSTAT_TEST_NO_SUCH_URL" })).toThrow(
      'option "redisUrl": reads the environment variable AEROSTAT_TEST_NO_SUCH_URL, which is not set',
    );
    process.env.AEROSTAT_TEST_REDIS_URL = "redis://10.0.0.9:6380";
    const runtime = createRuntime({ projectRoot: ".", engine: "redis", redisUrl: "env:AEROSTAT_TEST_REDIS_URL" });
    expect(runtime.options.redisUrl).toBe("redis://10.0.0.9:6380");
    expect(runtime.options.nodeName).toMatch(/^[A-Za-z0-9_-]+-\d+$/);
    await runtime.close();
  });

  it("aerostat serve --engine redis: logs the node and the peers it sees; a node killed with SIGKILL drops out of the peers within the heartbeat TTL", async () => {
    const redis = await RedisServer.start();
    // The sample has a socketcluster endpoint: on the redis engine every node needs the same sign-in key.
    const key = path.join(mkdtempSync(path.join(tmpdir(), "aerostat-key-")), "auth.key");
    writeFileSync(key, randomBytes(48).toString("base64"));
    const serve = (node: string) => new CliProcess(["serve", "sample-project", "--port", "0", "--no-watch", "--engine", "redis", "--redis-url", redis.url, "--node-name", node, "--auth-key-file", key]);
    const one = serve("n1");
    await one.waitFor(/engine redis: node n1, 1 peer seen/);
    const two = serve("n2");
    await two.waitFor(/engine redis: node n2, 2 peers seen/);
    const watcher = new RedisBus({ url: redis.url, node: "watcher", log: new LogCapture().logger, onError: () => undefined, heartbeat: { everyMs: 100, ttlMs: 1000 } });
    try {
      await watcher.start();
      await waitUntil(() => (watcher.status().peers.join() === "n1,n2,watcher" ? true : undefined), 5000, "both nodes seen");
      one.child.kill("SIGKILL");
      await one.exited;
      const killed = Date.now();
      await waitUntil(() => (watcher.status().peers.join() === "n2,watcher" ? true : undefined), 8000, "n1 gone");
      // The heartbeat lives 5 s; it was refreshed at most 1.5 s before the kill.
      expect(Date.now() - killed).toBeLessThan(5000 + 1500);
    } finally {
      await watcher.close();
    }
  });

  it("aerostat serve --engine redis with an unreachable Redis: exits 1 with one sentence naming the URL without its password", async () => {
    const port = await freePort();
    process.env.AEROSTAT_TEST_REDIS_SECRET_URL = `redis://user:pa55word@127.0.0.1:${port}/0`;
    const cli = new CliProcess(["serve", "sample-project", "--port", "0", "--engine", "redis", "--redis-url", "env:AEROSTAT_TEST_REDIS_SECRET_URL"]);
    expect(await cli.exited).toBe(1);
    expect(cli.output()).toContain(`aerostat: (options): the redis engine cannot reach Redis at redis://user:***@127.0.0.1:${port}/0 (`);
    expect(cli.output()).not.toContain("pa55word");
    delete process.env.AEROSTAT_TEST_REDIS_SECRET_URL;
  });
});
