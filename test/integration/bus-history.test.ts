import { describe, expect, it } from "vitest";
import type { HistoryKeep } from "../../src/bus/message-bus.js";
import { collect, freshChannel, memoryBus, redisBus } from "../helpers/bus.js";
import { waitUntil } from "../helpers/runtime.js";

const keep: HistoryKeep = { size: 100, ttlMs: 60_000 };

describe.each([
  ["memory", () => memoryBus()],
  ["redis", () => redisBus()],
] as const)("channel history on the %s engine", (_engine, make) => {
  it("numbers publications 1, 2, 3 under one epoch and hands subscribers { offset, epoch, data }", async () => {
    const bus = await make();
    const channel = freshChannel();
    const seen = collect(bus, channel);
    const tricky = { text: 'quote " bracket ] brace } ü \u2028', list: [1, null, { a: true }] };
    const stamps = [await bus.publishKept(channel, "one", keep), await bus.publishKept(channel, tricky, keep), await bus.publishKept(channel, 3, keep)];
    expect(stamps.map((s) => s.offset)).toEqual([1, 2, 3]);
    expect(new Set(stamps.map((s) => s.epoch)).size).toBe(1);
    const epoch = stamps[0]!.epoch;
    expect(epoch).toMatch(/^[A-Za-z0-9_-]{12}$/);
    // This node's subscribers have it before publishKept resolves.
    expect(seen).toEqual([
      { offset: 1, epoch, data: "one" },
      { offset: 2, epoch, data: tricky },
      { offset: 3, epoch, data: 3 },
    ]);
    const page = await bus.history(channel, undefined, 10);
    expect(page).toEqual({ epoch, offset: 3, recovered: true, publications: [{ offset: 1, data: "one" }, { offset: 2, data: tricky }, { offset: 3, data: 3 }] });
    // Another channel of the same project has its own numbering.
    expect((await bus.publishKept({ ...channel, name: "room/2" }, "x", keep)).offset).toBe(1);
  });

  it("returns what was published after a stamp, oldest first, recovered; says when it cannot", async () => {
    const bus = await make();
    const channel = freshChannel();
    const stamps = [];
    for (let i = 1; i <= 5; i++) stamps.push(await bus.publishKept(channel, `m${i}`, keep));
    const epoch = stamps[0]!.epoch;
    const since2 = stamps[1]!;

    expect(await bus.history(channel, since2, 10)).toEqual({
      epoch,
      offset: 5,
      recovered: true,
      publications: [{ offset: 3, data: "m3" }, { offset: 4, data: "m4" }, { offset: 5, data: "m5" }],
    });
    // Up to date: nothing missed.
    expect(await bus.history(channel, stamps[4], 10)).toEqual({ epoch, offset: 5, recovered: true, publications: [] });
    // More missed than the limit: the first ones after the stamp, not recovered.
    expect(await bus.history(channel, since2, 2)).toEqual({ epoch, offset: 5, recovered: false, publications: [{ offset: 3, data: "m3" }, { offset: 4, data: "m4" }] });
    // Exactly the limit is enough.
    expect((await bus.history(channel, since2, 3)).recovered).toBe(true);
    // Without a stamp: the latest ones.
    expect(await bus.history(channel, undefined, 2)).toEqual({ epoch, offset: 5, recovered: true, publications: [{ offset: 4, data: "m4" }, { offset: 5, data: "m5" }] });
    expect(await bus.history(channel, undefined, 0)).toEqual({ epoch, offset: 5, recovered: true, publications: [] });
    // A stamp of another epoch, or from beyond the stream's end, cannot be recovered.
    expect((await bus.history(channel, { offset: 2, epoch: "other" }, 10)).recovered).toBe(false);
    expect((await bus.history(channel, { offset: 9, epoch }, 10)).recovered).toBe(false);
  });

  it("is not recovered once the missed publications were trimmed past `size`", async () => {
    const bus = await make();
    const channel = freshChannel();
    const small = { size: 3, ttlMs: 60_000 };
    const stamps = [];
    for (let i = 1; i <= 6; i++) stamps.push(await bus.publishKept(channel, i, small));
    const epoch = stamps[0]!.epoch;
    expect(await bus.history(channel, stamps[0], 10)).toEqual({
      epoch,
      offset: 6,
      recovered: false,
      publications: [{ offset: 4, data: 4 }, { offset: 5, data: 5 }, { offset: 6, data: 6 }],
    });
    // Everything after offset 3 is still kept.
    expect((await bus.history(channel, stamps[2], 10)).recovered).toBe(true);
    expect((await bus.history(channel, undefined, 10)).publications.map((p) => p.offset)).toEqual([4, 5, 6]);
  });

  it("starts a new epoch once the history expired (ttlMs), and an old stamp is not recovered", async () => {
    const bus = await make();
    const channel = freshChannel();
    const short = { size: 10, ttlMs: 300 };
    await bus.publishKept(channel, "a", short);
    const old = await bus.publishKept(channel, "b", short);
    expect(old.offset).toBe(2);
    await waitUntil(async () => (await bus.history(channel, undefined, 10)).epoch === "" || undefined, 5000, "the history to expire");
    expect(await bus.history(channel, old, 10)).toEqual({ epoch: "", offset: 0, recovered: false, publications: [] });
    const fresh = await bus.publishKept(channel, "c", short);
    expect(fresh.offset).toBe(1);
    expect(fresh.epoch).not.toBe(old.epoch);
    expect(await bus.history(channel, old, 10)).toEqual({ epoch: fresh.epoch, offset: 1, recovered: false, publications: [{ offset: 1, data: "c" }] });
  });

  it("makes the epoch on a first read when given `keep`, so a position read before any publication recovers", async () => {
    const bus = await make();
    const channel = freshChannel();
    expect(await bus.history(channel, undefined, 10)).toEqual({ epoch: "", offset: 0, recovered: true, publications: [] });
    const start = await bus.history(channel, undefined, 10, keep);
    expect(start.epoch).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(start.offset).toBe(0);
    // The same epoch on the next read, and for the first publication.
    expect((await bus.history(channel, undefined, 10, keep)).epoch).toBe(start.epoch);
    expect(await bus.publishKept(channel, "first", keep)).toEqual({ offset: 1, epoch: start.epoch });
    expect(await bus.history(channel, { offset: 0, epoch: start.epoch }, 10)).toEqual({
      epoch: start.epoch,
      offset: 1,
      recovered: true,
      publications: [{ offset: 1, data: "first" }],
    });
  });

  it("rejects a wrong keep, limit or stamp with a sentence naming it", async () => {
    const bus = await make();
    const channel = freshChannel();
    await expect(bus.publishKept(channel, "x", { size: 0, ttlMs: 1000 })).rejects.toThrow("history keep.size must be an integer of 1 or more, not 0");
    await expect(bus.publishKept(channel, "x", { size: 5, ttlMs: Number.NaN })).rejects.toThrow("history keep.ttlMs must be a number of 1 or more, not NaN");
    await expect(bus.history(channel, undefined, -1)).rejects.toThrow("history limit must be an integer of 0 or more, not -1");
    await expect(bus.history(channel, { offset: 1.5, epoch: "e" }, 5)).rejects.toThrow(/^history since must be/);
  });
});
