import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { MemoryBus } from "../../src/bus/memory-bus.js";
import type { SharedTextFrame } from "../../src/peers/peer.js";
import { TrafficMeter } from "../../src/peers/traffic.js";
import { resourceChannel, WatchIndex, type Watcher, type WatchingConnection } from "../../src/protocols/monorail/watch-index.js";
import type { HandlerModule } from "../../src/sandbox/handler-module.js";

// The watcher index on its own, with a stand-in for the handler module that answers filter() at once.

/** A handler module whose filter() lets everything through. */
function passingModule(): HandlerModule {
  return {
    key: "p/rack",
    logBudget: { take: () => true },
    request: async (_hook: string, args: unknown[]) => (args[1] as unknown[]).map(() => true),
  } as unknown as HandlerModule;
}

describe("MonoRail watch index", () => {
  it("asks filter() about 40,000 watchers with distinct params in time linear in their number", async () => {
    const bus = new MemoryBus(() => undefined);
    await bus.start();
    const index = new WatchIndex(bus, new TrafficMeter(), pino({ level: "silent" }));
    const module = passingModule();
    let got = 0;
    const n = 40_000;
    for (let i = 0; i < n; i++) {
      const connection: WatchingConnection = { id: `s${i}`, module, hookTimeoutMs: 5000, send: (_f: SharedTextFrame) => (got++, true) };
      const w: Watcher = { connection, resource: "nodes", key: `nodes\u0000{"rack":"rack-${i}"}`, params: { rack: `rack-${i}` }, filter: true };
      index.add("p", w);
    }
    const started = performance.now();
    await bus.publish(resourceChannel("p", "nodes"), { h: "item", p: JSON.stringify({ id: "1", data: { rack: "rack-1" } }) });
    while (got < n) await new Promise((r) => setTimeout(r, 5));
    // Linear, it takes about 0.5 s here; comparing each key with every other one (800 million
    // comparisons) took over 30 s. The bound is loose so a busy machine cannot fail it.
    expect(performance.now() - started).toBeLessThan(10_000);
    await bus.close();
  });
});
