import { describe, expect, it } from "vitest";
import type { HistoryKeep, HistoryStamp, KeptMessage } from "../../src/bus/message-bus.js";
import { collect, freshChannel, redisBus } from "../helpers/bus.js";
import { RedisServer, startRedisCluster } from "../helpers/redis-server.js";
import { waitUntil } from "../helpers/runtime.js";

const keep: HistoryKeep = { size: 100, ttlMs: 60_000 };

const offsets = (seen: readonly KeptMessage[]) => seen.map((m) => m.offset);

describe("channel history of the redis engine across nodes", () => {
  it("hands a publication of node A to node B's subscribers once, with its offset, and B's history has A's publications", async () => {
    const [a, b] = [await redisBus({ node: "hist-a" + Date.now() }), await redisBus({ node: "hist-b" + Date.now() })];
    const channel = freshChannel();
    const [onA, onB] = [collect(a, channel), collect(b, channel)];
    await Promise.all([a.subscribed(channel), b.subscribed(channel)]);

    const first = await a.publishKept(channel, "a1", keep);
    await a.publishKept(channel, { from: "a", n: 2 }, keep);
    await waitUntil(() => onB.length === 2 || undefined, 5000, "node B to get both");
    const third = await b.publishKept(channel, "b3", keep);
    expect(third).toEqual({ offset: 3, epoch: first.epoch });
    await waitUntil(() => onA.length >= 3 || undefined, 5000, "node A to get B's publication");
    // A's own publications reached A once (their echo from Redis, which came before B's, is dropped), and B once.
    const expected = [
      { offset: 1, epoch: first.epoch, data: "a1" },
      { offset: 2, epoch: first.epoch, data: { from: "a", n: 2 } },
      { offset: 3, epoch: first.epoch, data: "b3" },
    ];
    expect(onA).toEqual(expected);
    expect(onB).toEqual(expected);
    expect(await b.history(channel, first, 10)).toEqual({
      epoch: first.epoch,
      offset: 3,
      recovered: true,
      publications: expected.slice(1).map(({ offset, data }) => ({ offset, data })),
    });
  });

  it("numbers concurrent publications of two nodes without gaps or repeats, and a third node hears them in offset order", async () => {
    const [a, b, c] = [await redisBus(), await redisBus(), await redisBus()];
    const channel = freshChannel();
    const onC = collect(c, channel);
    await c.subscribed(channel);
    const stamps = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).publishKept(channel, `m${i}`, keep)));
    expect(stamps.map((s) => s.offset).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(new Set(stamps.map((s) => s.epoch)).size).toBe(1);
    await waitUntil(() => onC.length === 40 || undefined, 5000, "node C to hear all 40");
    expect(offsets(onC)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    // Each offset carries the message its publisher got that offset for.
    const page = await c.history(channel, undefined, 100);
    expect(page.publications).toEqual(stamps.map((s, i) => ({ offset: s.offset, data: `m${i}` })).sort((x, y) => x.offset - y.offset));
    expect(onC.map((m) => m.data)).toEqual(page.publications.map((p) => p.data));
  });
});

describe("channel history when Redis loses it or goes away (a private redis-server)", () => {
  it("answers recovered:false and starts a new epoch after FLUSHALL, and again after Redis is killed and restarted empty", async () => {
    const redis = await RedisServer.start();
    const bus = await redisBus({ url: redis.url });
    const channel = freshChannel();
    await bus.publishKept(channel, "before", keep);
    const stamp: HistoryStamp = await bus.publishKept(channel, "before 2", keep);
    expect((await bus.history(channel, { offset: 1, epoch: stamp.epoch }, 10)).recovered).toBe(true);

    await redis.cli("flushall");
    expect(await bus.history(channel, stamp, 10)).toEqual({ epoch: "", offset: 0, recovered: false, publications: [] });
    const afterFlush = await bus.publishKept(channel, "after flush", keep);
    expect(afterFlush.offset).toBe(1);
    expect(afterFlush.epoch).not.toBe(stamp.epoch);
    expect(await bus.history(channel, stamp, 10)).toEqual({ epoch: afterFlush.epoch, offset: 1, recovered: false, publications: [{ offset: 1, data: "after flush" }] });

    await redis.kill();
    await waitUntil(() => bus.status().state === "reconnecting" || undefined, 5000, "the engine to notice");
    await redis.restart();
    await waitUntil(() => bus.status().state === "ready" || undefined, 10_000, "the engine to reconnect");
    // The restarted server holds no scripts either: EVALSHA falls back to EVAL.
    const afterRestart = await bus.publishKept(channel, "after restart", keep);
    expect(afterRestart.offset).toBe(1);
    expect(afterRestart.epoch).not.toBe(afterFlush.epoch);
    expect((await bus.history(channel, afterFlush, 10)).recovered).toBe(false);
    expect((await bus.history(channel, { offset: 0, epoch: afterRestart.epoch }, 10)).recovered).toBe(true);
  });

  it("starts a new epoch when the offset counter alone was lost, so an offset never names two publications", async () => {
    const redis = await RedisServer.start();
    const bus = await redisBus({ url: redis.url });
    const channel = freshChannel();
    await bus.publishKept(channel, "one", keep);
    const old = await bus.publishKept(channel, "two", keep);
    const keys = (await redis.cli("--scan", "--pattern", "aerostat:*:h:o:*")).trim().split("\n");
    expect(keys).toHaveLength(1);
    await redis.cli("del", keys[0]!);
    const next = await bus.publishKept(channel, "three", keep);
    expect(next.offset).toBe(1);
    expect(next.epoch).not.toBe(old.epoch);
    expect(await bus.history(channel, undefined, 10)).toEqual({ epoch: next.epoch, offset: 1, recovered: true, publications: [{ offset: 1, data: "three" }] });
  });

  it("rejects publishKept and history at once while Redis is down, delivering nothing", async () => {
    const redis = await RedisServer.start();
    const bus = await redisBus({ url: redis.url });
    const channel = freshChannel();
    const seen = collect(bus, channel);
    await bus.publishKept(channel, "up", keep);
    await redis.kill();
    await waitUntil(() => bus.status().state === "reconnecting" || undefined, 5000, "the engine to notice");
    await expect(bus.publishKept(channel, "down", keep)).rejects.toThrow(/^engine redis: not connected to redis:\/\/127\.0\.0\.1:\d+$/);
    await expect(bus.history(channel, undefined, 10)).rejects.toThrow(/^engine redis: not connected/);
    expect(offsets(seen)).toEqual([1]);
  });
});

describe("channel history on a Redis Cluster (--redis-cluster)", () => {
  it("runs the script on each project's shard and carries kept publications between nodes over SPUBLISH", async () => {
    const cluster = await startRedisCluster(3);
    const [a, b] = [await redisBus({ url: cluster[0]!.url, cluster: true }), await redisBus({ url: cluster[1]!.url, cluster: true })];
    // Projects whose tags hash to different shards.
    const channels = Array.from({ length: 6 }, () => freshChannel());
    const heard = channels.map((ch) => collect(b, ch));
    await Promise.all(channels.map((ch) => b.subscribed(ch)));
    for (const ch of channels) {
      await a.publishKept(ch, "x", keep);
      await a.publishKept(ch, { y: 2 }, keep);
    }
    await waitUntil(() => heard.every((h) => h.length === 2) || undefined, 5000, "node B to hear every channel");
    for (const [i, ch] of channels.entries()) {
      expect(offsets(heard[i]!)).toEqual([1, 2]);
      const page = await b.history(ch, { offset: 1, epoch: heard[i]![0]!.epoch }, 10);
      expect(page).toEqual({ epoch: heard[i]![0]!.epoch, offset: 2, recovered: true, publications: [{ offset: 2, data: { y: 2 } }] });
    }
    // The keys sit on more than one shard, each next to its project's channel.
    const holding = await Promise.all(cluster.map(async (n) => (await n.cli("--scan", "--pattern", "aerostat:*:h:s:*")).trim().split("\n").filter(Boolean).length));
    expect(holding.reduce((x, y) => x + y, 0)).toBe(6);
    expect(holding.filter((n) => n > 0).length).toBeGreaterThan(1);
  });
});
