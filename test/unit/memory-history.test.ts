import { describe, expect, it } from "vitest";
import { MemoryHistory } from "../../src/bus/memory-history.js";

const channel = (name: string) => ({ project: "p", kind: "ch", name });

describe("the memory engine's channel histories", () => {
  it("drops publications older than ttlMs one by one, and the whole history (epoch too) ttlMs after the last publication", () => {
    let now = 1_000;
    const histories = new MemoryHistory(() => now);
    const keep = { size: 10, ttlMs: 100 };
    const first = histories.append(channel("a"), "old", keep);
    now += 60;
    histories.append(channel("a"), "newer", keep);
    now += 60;
    // "old" is 120 ms old, "newer" 60 ms.
    expect(histories.page(channel("a"), undefined, 10, undefined)).toEqual({ epoch: first.epoch, offset: 2, recovered: true, publications: [{ offset: 2, data: "newer" }] });
    expect(histories.page(channel("a"), { offset: 0, epoch: first.epoch }, 10, undefined).recovered).toBe(false);
    expect(histories.page(channel("a"), first, 10, undefined).recovered).toBe(true);
    now += 40;
    expect(histories.page(channel("a"), first, 10, undefined)).toEqual({ epoch: "", offset: 0, recovered: false, publications: [] });
    const again = histories.append(channel("a"), "again", keep);
    expect(again.offset).toBe(1);
    expect(again.epoch).not.toBe(first.epoch);
  });

  it("sweeps the histories of channels nobody touches once they expired", () => {
    let now = 1_000;
    const histories = new MemoryHistory(() => now);
    for (let i = 0; i < 2000; i++) histories.append(channel(`c${i}`), i, { size: 5, ttlMs: 100 });
    histories.page(channel("read"), undefined, 10, { size: 5, ttlMs: 10_000 });
    expect(histories.size).toBe(2001);
    now += 5_000;
    histories.append(channel("live"), "x", { size: 5, ttlMs: 100 });
    expect(histories.size).toBe(2);
  });
});
