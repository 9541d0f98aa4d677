import { describe, expect, it } from "vitest";
import { EVENT_STRIDE, EventKind } from "../../src/protocol/events.js";
import { EventQueue } from "../../src/sandbox/event-queue.js";

describe("EventQueue", () => {
  it("takes batches in order, puts a cut-short batch back in front, and drops timer events", () => {
    const q = new EventQueue();
    for (let i = 0; i < 5; i++) q.push(EventKind.message, "session", `s${i}`, "e", `m${i}`, 0);
    q.push(EventKind.timer, "", "", "", "", 7);
    const first = q.take(2);
    expect(first.length).toBe(2 * EVENT_STRIDE);
    expect(first[4]).toBe("m0");
    q.unshift(first.slice(EVENT_STRIDE));
    expect(q.length).toBe(5);
    q.dropTimers();
    const rest = q.take(10);
    expect(rest.filter((_, i) => i % EVENT_STRIDE === 4)).toEqual(["m1", "m2", "m3", "m4"]);
    expect(q.length).toBe(0);
  });
});

describe("EventQueue fairness", () => {
  const ids = (batch: unknown[]) => batch.filter((_, i) => i % EVENT_STRIDE === 2);

  it("serves peers in turn, each peer's events in order, and starts the next batch after the last peer served", () => {
    const q = new EventQueue();
    for (let i = 0; i < 5; i++) q.push(EventKind.message, "session", "flood", "e", `f${i}`, 0);
    q.push(EventKind.message, "session", "calm", "e", "c0", 0);
    q.push(EventKind.message, "session", "quiet", "e", "q0", 0);
    expect(ids(q.take(4))).toEqual(["flood", "calm", "quiet", "flood"]);
    expect(q.peerLength("session\u0000flood")).toBe(3);
    q.push(EventKind.message, "session", "calm", "e", "c1", 0);
    // flood was served last: calm goes first now.
    const next = q.take(10);
    expect(ids(next)).toEqual(["calm", "flood", "flood", "flood"]);
    expect(next.filter((_, i) => i % EVENT_STRIDE === 4)).toEqual(["c1", "f2", "f3", "f4"]);
    expect(q.length).toBe(0);
    expect(q.bytes).toBe(0);
  });

  it("stops a batch before the event that would pass the byte budget, but always takes one", () => {
    const q = new EventQueue();
    q.push(EventKind.message, "session", "a", "e", "x".repeat(600), 0);
    q.push(EventKind.message, "session", "b", "e", "y".repeat(600), 0);
    expect(q.bytes).toBe(1200);
    expect(ids(q.take(10, 1000))).toEqual(["a"]);
    expect(ids(q.take(10, 100))).toEqual(["b"]);
  });
});
