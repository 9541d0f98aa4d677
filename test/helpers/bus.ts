import { randomUUID } from "node:crypto";
import { afterEach } from "vitest";
import { MemoryBus } from "../../src/bus/memory-bus.js";
import type { BusChannel, KeptMessage, MessageBus } from "../../src/bus/message-bus.js";
import { RedisBus } from "../../src/bus/redis-bus.js";
import { LogCapture } from "./runtime.js";

/** The shared Redis the engine tests may use with names of their own. */
export const SHARED_REDIS = process.env.AEROSTAT_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

const opened: MessageBus[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((b) => b.close()));
});

/** A started redis engine (closed after the test), a node name of its own unless given. */
export async function redisBus(options: { url?: string; node?: string; cluster?: boolean } = {}): Promise<RedisBus> {
  const bus = new RedisBus({
    url: options.url ?? SHARED_REDIS,
    node: options.node ?? `h-${randomUUID().slice(0, 8)}`,
    cluster: options.cluster ?? false,
    log: new LogCapture().logger,
    onError: () => undefined,
    heartbeat: { everyMs: 200, ttlMs: 1000 },
  });
  opened.push(bus);
  await bus.start();
  return bus;
}

/** A memory engine, closed after the test. */
export function memoryBus(): Promise<MemoryBus> {
  const bus = new MemoryBus(() => undefined);
  opened.push(bus);
  return Promise.resolve(bus);
}

/** A channel of a project no other test uses (the shared Redis outlives the test). */
export function freshChannel(): BusChannel {
  return { project: `hist-${randomUUID()}`, kind: "ch", name: "room/1" };
}

/** What the subscribers of `channel` on `bus` were handed, in order. */
export function collect(bus: MessageBus, channel: BusChannel): KeptMessage[] {
  const seen: KeptMessage[] = [];
  bus.subscribe(channel, (m) => seen.push(m as KeptMessage));
  return seen;
}
