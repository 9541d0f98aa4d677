import { createClient } from "redis";
import { afterEach, describe, expect, it } from "vitest";
import { resolveOptions } from "../../src/config/options.js";
import { CliProcess, killAll, ServedProject } from "../helpers/cli-process.js";
import { descriptor, TempProject } from "../helpers/project.js";
import { RedisServer } from "../helpers/redis-server.js";
import { TaggedClient } from "../helpers/tagged-client.js";
import { startProject, waitUntil } from "../helpers/runtime.js";

/**
 * --server-events-compat: a project's net/v4/events speak the wire format of
 * the server-events package. The package cannot be installed here, so a plain
 * Node worker using it is emulated with raw Redis commands producing and
 * reading its exact frames: PUBLISH "<name>:<id>" JSON [name, id, ...args].
 */
const HANDLER = `
  const events = require("net/v4/events");
  exports.onMessage = async (m, connection) => {
    const cmd = JSON.parse(m);
    const reply = (v) => connection.send(JSON.stringify({ tag: cmd.tag, ...v }));
    switch (cmd.op) {
      case "on":
        events.on(cmd.name, cmd.id, cmd.ms).then((args) => reply({ args }), (e) => reply({ error: e.name }));
        return reply({ armed: true });
      case "emit":
        try { await events.emit(cmd.name, cmd.id, ...cmd.args); return reply({ emitted: true }); }
        catch (e) { return reply({ error: e.message }); }
    }
  };`;

const files = {
  "p/ev.js": HANDLER,
  "p/ev.websocket": descriptor("pev", "p/ev"),
  "q/ev.js": HANDLER,
  "q/ev.websocket": descriptor("qev", "q/ev"),
};

/** Subscribers on the server's channels: their SUBSCRIBE count. */
async function numsub(redis: RedisServer, channel: string): Promise<number> {
  const out = (await redis.cli("pubsub", "numsub", channel)).trim().split("\n");
  return Number(out[out.length - 1]);
}

/** A raw Redis subscriber (what a server-events worker's outputStore does): every message on every channel, in order. */
async function rawSubscriber(redis: RedisServer) {
  const client = createClient({ url: redis.url });
  await client.connect();
  const heard: { channel: string; text: string }[] = [];
  await client.pSubscribe("*", (text, channel) => heard.push({ channel, text }));
  clients.push(client);
  return heard;
}

/** The raw clients of a test, closed after it. */
const clients: { close(): Promise<unknown>; destroy(): void }[] = [];
afterEach(async () => {
  killAll();
  for (const c of clients.splice(0)) await c.close().catch(() => c.destroy());
});

async function start(redis: RedisServer, nodeName: string) {
  return startProject(files, { engine: "redis", redisUrl: redis.url, nodeName, serverEventsCompat: ["p"] });
}

describe("net/v4/events in server-events compatibility mode", () => {
  it("resolves a script's on() with a worker's raw frame and unsubscribes once it settles or times out", async () => {
    const redis = await RedisServer.start();
    const a = await start(redis, "n1");
    expect(a.logs.messages()).toContain('events: project "p" speaks the server-events wire format (channels "<name>:<id>", --server-events-compat)');
    const p = await TaggedClient.connect(a.url("pev"));
    await p.send({ op: "on", name: "job", id: 7, ms: 5000, tag: "w" }, "armed");
    await waitUntil(async () => (await numsub(redis, "job:7")) === 1, 5000, "SUBSCRIBE job:7");
    expect(await numsub(redis, "aerostat:{p}:ev:events")).toBe(0);
    // Frames that are not this channel's event are dropped and counted; the waiter keeps waiting.
    await redis.cli("publish", "job:7", "not json");
    await redis.cli("publish", "job:7", '["job",8,"z"]');
    await waitUntil(() => a.runtime.eventStats().malformed === 2, 5000, "two dropped frames");
    expect(p.answers("w")).toHaveLength(1);
    expect(a.logs.messages().filter((m) => m.includes('dropped a message on the server-events channel "job:7"'))).toHaveLength(2);
    await redis.cli("publish", "job:7", '["job",7,"x",{"a":1}]');
    expect((await p.next("w", "args")).args).toEqual(["x", { a: 1 }]);
    await waitUntil(async () => (await numsub(redis, "job:7")) === 0, 5000, "UNSUBSCRIBE job:7");
    expect(a.runtime.eventStats()).toMatchObject({ waiters: 0, channels: 0 });

    // Two waiters of one key share one subscription; a timeout leaves nothing behind.
    await p.send({ op: "on", name: "job", id: "9", ms: 300, tag: "t1" }, "armed");
    await p.send({ op: "on", name: "job", id: 9, ms: 300, tag: "t2" }, "armed");
    await waitUntil(async () => (await numsub(redis, "job:9")) === 1, 5000, "SUBSCRIBE job:9");
    expect((await p.next("t1", "error")).error).toBe("TimeoutError");
    expect((await p.next("t2", "error")).error).toBe("TimeoutError");
    await waitUntil(async () => (await numsub(redis, "job:9")) === 0, 5000, "UNSUBSCRIBE job:9");
    expect(a.runtime.eventStats()).toMatchObject({ waiters: 0, channels: 0 });
  }, 30_000);

  it("emits server-events' exact frame, heard once by aerostat waiters on every node, and keeps retainMs", async () => {
    const redis = await RedisServer.start();
    const heard = await rawSubscriber(redis);
    const a = await start(redis, "n1");
    const b = await start(redis, "n2");
    const onA = await TaggedClient.connect(a.url("pev"));
    const onB = await TaggedClient.connect(b.url("pev"));
    await onA.send({ op: "on", name: "job", id: 7, ms: 5000, tag: "a" }, "armed");
    await waitUntil(async () => (await numsub(redis, "job:7")) === 1, 5000, "A's SUBSCRIBE");
    expect((await onB.send({ op: "emit", name: "job", id: 7, args: ["y"] }, "emitted")).emitted).toBe(true);
    expect((await onA.next("a", "args")).args).toEqual(["y"]);
    await onB.send({ op: "emit", name: "job", id: "7", args: [{ b: [1, 2] }, null] }, "emitted");
    await waitUntil(() => heard.filter((h) => h.channel === "job:7").length === 2, 5000, "both frames");
    expect(heard.filter((h) => h.channel === "job:7").map((h) => h.text)).toEqual(['["job",7,"y"]', '["job","7",{"b":[1,2]},null]']);
    // Nothing on aerostat's own channel of the project: one delivery per waiter.
    expect(heard.filter((h) => h.channel.startsWith("aerostat:{p}:ev"))).toEqual([]);
    expect(onA.answers("a")).toHaveLength(2);

    // A waiter and an emit on one node: the SUBSCRIBE is confirmed before the PUBLISH, so it is heard (once).
    await onA.send({ op: "on", name: "same", id: 1, ms: 5000, tag: "s" }, "armed");
    await onA.send({ op: "emit", name: "same", id: 1, args: [true] }, "emitted");
    expect((await onA.next("s", "args")).args).toEqual([true]);

    // retainMs: an on() that comes after the emit still resolves.
    await onB.send({ op: "emit", name: "late", id: 1, args: ["kept", { retainMs: 5000 }] }, "emitted");
    await onA.send({ op: "on", name: "late", id: 1, ms: 2000, tag: "late" }, "armed");
    expect((await onA.next("late", "args")).args).toEqual(["kept"]);
    await waitUntil(async () => (await numsub(redis, "late:1")) === 0, 5000, "UNSUBSCRIBE late:1");

    // aerostat's own channels are not server-events channels.
    const refused = await onA.send({ op: "emit", name: "aerostat", id: "{q}:ws:broadcast", args: [] }, "error");
    expect(refused.error).toMatch(/server-events channel "aerostat:\{q\}:ws:broadcast" starts with "aerostat:"/);
    expect(heard.filter((h) => h.channel.startsWith("aerostat:{q}"))).toEqual([]);
  }, 30_000);

  it("shares one SUBSCRIBE between projects in compatibility mode, held until the last waiter goes", async () => {
    const redis = await RedisServer.start();
    const a = await startProject(files, { engine: "redis", redisUrl: redis.url, nodeName: "n1", serverEventsCompat: ["p", "q"] });
    const p = await TaggedClient.connect(a.url("pev"));
    const q = await TaggedClient.connect(a.url("qev"));
    await p.send({ op: "on", name: "job", id: 7, ms: 300, tag: "short" }, "armed");
    await q.send({ op: "on", name: "job", id: 7, ms: 5000, tag: "long" }, "armed");
    await waitUntil(() => a.runtime.eventStats().channels === 2, 5000, "both projects on job:7");
    expect(await numsub(redis, "job:7")).toBe(1);
    expect((await p.next("short", "error")).error).toBe("TimeoutError");
    expect(a.runtime.eventStats()).toMatchObject({ waiters: 1, channels: 1 });
    expect(await numsub(redis, "job:7")).toBe(1);
    await redis.cli("publish", "job:7", '["job",7,"both"]');
    expect((await q.next("long", "args")).args).toEqual(["both"]);
    await waitUntil(async () => (await numsub(redis, "job:7")) === 0, 5000, "UNSUBSCRIBE job:7");
  }, 30_000);

  it("leaves projects not in compatibility mode on aerostat's channel", async () => {
    const redis = await RedisServer.start();
    const heard = await rawSubscriber(redis);
    const a = await start(redis, "n1");
    const q = await TaggedClient.connect(a.url("qev"));
    await q.send({ op: "on", name: "job", id: 7, ms: 5000, tag: "w" }, "armed");
    await waitUntil(async () => (await numsub(redis, "aerostat:{q}:ev:events")) === 1, 5000, "q's events channel");
    expect(await numsub(redis, "job:7")).toBe(0);
    await redis.cli("publish", "job:7", '["job",7,"raw"]');
    await q.send({ op: "emit", name: "job", id: 7, args: ["own"] }, "emitted");
    expect((await q.next("w", "args")).args).toEqual(["own"]);
    await redis.cli("publish", "marker", "end");
    await waitUntil(() => heard.some((h) => h.channel === "marker"), 5000, "the marker");
    expect(heard.filter((h) => h.channel === "job:7").map((h) => h.text)).toEqual(['["job",7,"raw"]']);
    expect(heard.some((h) => h.channel === "aerostat:{q}:ev:events")).toBe(true);
  }, 30_000);

  it("takes project names, the root as \"\" or \"(root)\", with the redis engine on one server only", () => {
    const base = { projectRoot: "/tmp/x", engine: "redis" as const };
    expect(resolveOptions({ ...base, serverEventsCompat: ["p", "(root)", ""] }).serverEventsCompat).toEqual(["p", ""]);
    expect(() => resolveOptions({ projectRoot: "/tmp/x", serverEventsCompat: ["p"] })).toThrow(/option "serverEventsCompat": is used by the redis engine only/);
    expect(() => resolveOptions({ ...base, redisCluster: true, serverEventsCompat: ["p"] })).toThrow(/option "serverEventsCompat": works on one Redis server only/);
    expect(() => resolveOptions({ ...base, serverEventsCompat: ["p/q"] })).toThrow(/option "serverEventsCompat.0": must name a top-level project folder/);
  });

  it("is the --server-events-compat flag of aerostat serve, refused without --engine redis", async () => {
    const project = await TempProject.create(files);
    try {
      const refused = new CliProcess(["serve", project.root, "--port", "0", "--server-events-compat", "p"]);
      expect(await refused.exited).toBe(1);
      expect(refused.output()).toMatch(/option "serverEventsCompat": is used by the redis engine only/);

      const redis = await RedisServer.start();
      const served = await ServedProject.start(project.root, 0, ["--engine", "redis", "--redis-url", redis.url, "--server-events-compat", "p"]);
      const p = await TaggedClient.connect(`${served.url.replace("http:", "ws:")}/websockets/v4/service/pev`);
      await p.send({ op: "on", name: "cli", id: 1, ms: 5000, tag: "w" }, "armed");
      await waitUntil(async () => (await numsub(redis, "cli:1")) === 1, 5000, "SUBSCRIBE cli:1");
      await redis.cli("publish", "cli:1", '["cli",1,"from a worker"]');
      expect((await p.next("w", "args")).args).toEqual(["from a worker"]);
      p.client.close();
    } finally {
      killAll();
      await project.dispose();
    }
  }, 30_000);
});
