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
