import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GuestTimers } from "../../src/sandbox/guest-timers.js";

// Fake clocks: every firing is caused by advancing time, so nothing here waits.
beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function timers(max = 10): { t: GuestTimers; fired: number[] } {
  const fired: number[] = [];
  return { t: new GuestTimers((id) => fired.push(id), max), fired };
}

describe("GuestTimers", () => {
  it("fires a timeout once, after its delay", () => {
    const { t, fired } = timers();
    t.set(1, 100, false);
    vi.advanceTimersByTime(99);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([1]);
    t.delivered(1);
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual([1]);
  });

  it("never fires a timeout cleared before its time", () => {
    const { t, fired } = timers();
    t.set(1, 100, false);
    t.set(2, 100, false);
    t.clear(1);
    vi.advanceTimersByTime(500);
    expect(fired).toEqual([2]);
  });

  it("replaces a timer set again under the same id", () => {
    const { t, fired } = timers();
    t.set(1, 50, false);
    t.set(1, 200, false);
    vi.advanceTimersByTime(199);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([1]);
  });

  it("fires an interval every period while each event is delivered", () => {
    const { t, fired } = timers();
    t.set(3, 10, true);
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(10);
      t.delivered(3);
    }
    expect(fired).toEqual([3, 3, 3, 3, 3]);
  });

  it("does not queue another event for an interval whose last one is still pending", () => {
    const { t, fired } = timers();
    t.set(3, 10, true);
    vi.advanceTimersByTime(100); // ten periods, nothing delivered
    expect(fired).toEqual([3]);
    t.delivered(3);
    vi.advanceTimersByTime(9);
    expect(fired).toEqual([3]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([3, 3]);
  });

  it("stops an interval on clear, and forgets an event still pending", () => {
    const { t, fired } = timers();
    t.set(3, 10, true);
    vi.advanceTimersByTime(10);
    expect(fired).toEqual([3]);
    t.clear(3); // its event was never delivered
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([3]);
    // The id is free again, pending state included: a new timer under it fires.
    t.set(3, 10, true);
    vi.advanceTimersByTime(10);
    expect(fired).toEqual([3, 3]);
  });

  it("clearAll stops every timer and forgets pending events", () => {
    const { t, fired } = timers();
    t.set(1, 10, false);
    t.set(2, 10, true);
    t.set(3, 30, true);
    vi.advanceTimersByTime(10);
    expect(fired).toEqual([1, 2]);
    t.clearAll();
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual([1, 2]);
    t.set(2, 10, true);
    vi.advanceTimersByTime(10);
    expect(fired).toEqual([1, 2, 2]);
  });

  it("holds at most `max` timers; a timer that fired or was cleared frees its place", () => {
    const { t, fired } = timers(2);
    t.set(1, 10, false);
    t.set(2, 50, true);
    t.set(3, 10, false); // over the limit: never set
    vi.advanceTimersByTime(10);
    expect(fired).toEqual([1]);
    t.set(4, 10, false); // 1 fired, so there is room
    t.set(5, 10, false); // but not for two
    vi.advanceTimersByTime(10);
    expect(fired).toEqual([1, 4]);
    t.clear(2);
    t.set(6, 10, false);
    t.set(7, 10, false);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([1, 4, 6, 7]);
  });

  it("setting an id again does not count twice against the limit", () => {
    const { t, fired } = timers(1);
    t.set(1, 10, false);
    t.set(1, 20, false);
    vi.advanceTimersByTime(20);
    expect(fired).toEqual([1]);
  });

  it("clamps delays to at least 1 ms and at most 2^31-1 ms, and ignores ids that are not safe integers", () => {
    const { t, fired } = timers();
    t.set(1, 0, false);
    t.set(2, -5, false);
    t.set(3, Number.NaN, false);
    t.set(4, 1e12, false);
    t.set(1.5, 10, false);
    t.set(Number.MAX_SAFE_INTEGER + 2, 10, false);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([1, 2, 3]);
    vi.advanceTimersByTime(2_147_483_647 - 2);
    expect(fired).toEqual([1, 2, 3]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([1, 2, 3, 4]);
  });
});
