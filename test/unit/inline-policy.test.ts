import { describe, expect, it } from "vitest";
import { InlinePolicy, InlineStrikes, LOSS_MS, MAX_INLINE_EVENTS, MAX_LOSSES, QUICK_MS, WARMUP, type InlineLoss } from "../../src/sandbox/inline-policy.js";

function quick(policy: InlinePolicy, batches: number): void {
  for (let i = 0; i < batches; i++) policy.record(false, 0.1);
}

describe("inline dispatch policy", () => {
  it("is earned by quick batches in a row on the worker, and serves lone events and batches expected to stay under half of QUICK_MS", () => {
    const policy = new InlinePolicy(true, () => {});
    quick(policy, WARMUP - 1);
    expect(policy.allows(1)).toBe(false);
    expect(policy.mode).toBe("worker");
    quick(policy, 1);
    expect(policy.allows(1)).toBe(true);
    // 0.1 ms per event: 4 events are expected to take 0.4 ms, 5 take half of QUICK_MS.
    expect(policy.allows(4)).toBe(true);
    expect(policy.allows(5)).toBe(false);
    expect(policy.mode).toBe("inline");
    // A batch of 20 events in 0.1 ms: 0.005 ms each, so up to MAX_INLINE_EVENTS may go inline.
    policy.record(false, 0.1, 20);
    expect(policy.allows(MAX_INLINE_EVENTS)).toBe(true);
    expect(policy.allows(MAX_INLINE_EVENTS + 1)).toBe(false);
    // A slow batch forgets the estimate: only lone events once earned again.
    policy.record(false, QUICK_MS);
    quick(policy, WARMUP);
    expect(policy.allows(2)).toBe(true);
    expect(policy.allows(5)).toBe(false);
  });

  it("starts the warm-up again after a slow batch on the worker", () => {
    const policy = new InlinePolicy(true, () => {});
    quick(policy, WARMUP - 1);
    policy.record(false, QUICK_MS);
    quick(policy, 1);
    expect(policy.allows(1)).toBe(false);
  });

  it("goes back to the worker, without a loss, after an inline batch that is not quick", () => {
    const losses: InlineLoss[] = [];
    const policy = new InlinePolicy(true, (loss) => losses.push(loss));
    quick(policy, WARMUP);
    policy.record(true, LOSS_MS - 1);
    expect(policy.allows(1)).toBe(false);
    quick(policy, WARMUP);
    expect(policy.allows(1)).toBe(true);
    expect(losses).toEqual([]);
  });

  it("is lost by a slow inline batch and earned back by a warm-up four times as long, until the losses run out", () => {
    const losses: InlineLoss[] = [];
    const policy = new InlinePolicy(true, (loss) => losses.push(loss));
    quick(policy, WARMUP);
    policy.record(true, 0.5);
    expect(policy.allows(1)).toBe(true);
    for (let n = 1; n <= MAX_LOSSES; n++) {
      policy.record(true, LOSS_MS * 3);
      expect(policy.allows(1)).toBe(false);
      quick(policy, WARMUP * 4 ** n - 1);
      expect(policy.allows(1)).toBe(false);
      quick(policy, 1);
      expect(policy.allows(1)).toBe(n < MAX_LOSSES);
    }
    expect(losses).toEqual([
      ...Array.from({ length: MAX_LOSSES - 1 }, () => ({ ms: LOSS_MS * 3, until: "earned again" })),
      { ms: LOSS_MS * 3, until: "file changes" },
    ]);
    policy.reset();
    quick(policy, WARMUP);
    expect(policy.allows(1)).toBe(true);
  });

  it("is barred until the file changes by an event stopped at the CPU limit, inline or not", () => {
    for (const inline of [true, false]) {
      const policy = new InlinePolicy(true, () => {});
      quick(policy, WARMUP);
      policy.record(inline, Number.POSITIVE_INFINITY);
      quick(policy, WARMUP * 4 ** MAX_LOSSES);
      expect(policy.allows(1)).toBe(false);
      expect(policy.mode).toBe("worker");
      policy.reset();
      quick(policy, WARMUP);
      expect(policy.allows(1)).toBe(true);
    }
  });

  it("never allows anything when switched off", () => {
    const policy = new InlinePolicy(false, () => {});
    quick(policy, WARMUP);
    expect(policy.allows(1)).toBe(false);
    expect(policy.mode).toBe("off");
  });

  it("ends for a whole scope once its strikes are spent, whatever the file does", () => {
    const project = new InlineStrikes(2);
    const losses: InlineLoss[] = [];
    const a = new InlinePolicy(true, (loss) => losses.push(loss), [project]);
    const b = new InlinePolicy(true, () => {}, [project]);
    quick(a, WARMUP);
    a.record(true, Number.POSITIVE_INFINITY);
    a.reset();
    quick(a, WARMUP);
    expect(a.allows(1)).toBe(true);
    quick(b, WARMUP);
    b.record(true, LOSS_MS);
    expect(project.spent).toBe(true);
    for (const p of [a, b]) {
      p.reset();
      quick(p, WARMUP * 4 ** MAX_LOSSES);
      expect(p.allows(1)).toBe(false);
      expect(p.mode).toBe("worker");
    }
    expect(losses).toEqual([{ ms: Number.POSITIVE_INFINITY, until: "file changes" }]);
  });
});
