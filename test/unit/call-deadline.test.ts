import { describe, expect, it } from "vitest";
import { DEADLINE_GRID_MS, gridTimeout } from "../../src/sandbox/call-deadline.js";

describe("call deadlines", () => {
  it("gives at least the limit and ends on the grid, so calls made close together share a deadline", () => {
    for (const now of [0, 1, 19, 20, 1_000_003, 1_796_150_000_017]) {
      for (const ms of [1, 5, 1000, 1007]) {
        const t = gridTimeout(ms, now);
        expect(t).toBeGreaterThanOrEqual(ms);
        expect(t).toBeLessThan(ms + DEADLINE_GRID_MS);
        expect((now + t) % DEADLINE_GRID_MS).toBe(0);
      }
    }
    const deadlines = new Set([0, 3, 7, 12, 18].map((d) => 1_000_001 + d + gridTimeout(1000, 1_000_001 + d)));
    expect(deadlines.size).toBe(1);
  });
});
