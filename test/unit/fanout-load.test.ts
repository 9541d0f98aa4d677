import { describe, expect, it } from "vitest";
import { fanout, warmUp, type FanoutFleet } from "../../bench/lib/fanout.ts";

/** A fleet in this process: each published message reaches every receiver on a later turn, except the ones `drop` names. */
function loopFleet(receivers: number, drop: (text: string, receiver: number) => boolean = () => false) {
  let deliver: (text: string, i: number) => void = () => undefined;
  let inFlight = 0;
  let maxInFlight = 0;
  const fleet: FanoutFleet = {
    receivers,
    publish(text) {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      setImmediate(() => {
        inFlight--;
        for (let i = 0; i < receivers; i++) if (!drop(text, i)) deliver(text, i);
      });
    },
    onDelivery: (fn) => (deliver = fn),
    close: async () => undefined,
  };
  return { fleet, maxInFlight: () => maxInFlight };
}

describe("bench/lib/fanout.ts: the cross-node benchmark's measurement", () => {
  it("counts every delivery, keeps at most `window` messages in flight and times each receipt", async () => {
    const { fleet, maxInFlight } = loopFleet(50);
    await warmUp(fleet);
    const r = await fanout(fleet, { messages: 40, window: 3 });
    expect(r.deliveries).toBe(2000);
    expect(r.lost).toBe(0);
    expect(maxInFlight()).toBeLessThanOrEqual(3);
    expect(r.deliveriesPerSec).toBeGreaterThan(0);
    expect(r.p50ms).toBeGreaterThanOrEqual(0);
    expect(r.p99ms).toBeGreaterThanOrEqual(r.p50ms);
  });

  it("reports deliveries that never came as lost instead of waiting forever", async () => {
    // Receiver 7 misses message 5: that message never completes, so the run stalls and ends.
    const { fleet } = loopFleet(10, (text, i) => i === 7 && text.startsWith("5 "));
    const r = await fanout(fleet, { messages: 20, window: 2, stallMs: 300 });
    expect(r.lost).toBeGreaterThan(0);
    expect(r.deliveries + r.lost).toBe(200);
  });

  it("stops publishing after `seconds` and still waits for the messages in flight", async () => {
    const { fleet } = loopFleet(20);
    const t0 = performance.now();
    const r = await fanout(fleet, { seconds: 0.2, window: 2 });
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(r.messages).toBeGreaterThan(2);
    expect(r.lost).toBe(0);
    expect(r.deliveries).toBe(r.messages * 20);
  });

  it("warm-up fails with a clear message when some receivers never hear anything", async () => {
    const { fleet } = loopFleet(4, (_t, i) => i >= 2);
    await expect(warmUp(fleet, 300)).rejects.toThrow(/only 2 of 4 receivers got a message within 300 ms \(do the nodes share one engine\?\)/);
  });
});
