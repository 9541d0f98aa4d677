import { monitorEventLoopDelay } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import type { WebSocket } from "ws";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject } from "../helpers/runtime.js";

const SESSIONS = 200;
const MIB = 1024 * 1024;

/** Stops reading: the socket's data stays in the kernel, as with a client that never reads. */
function stopReading(ws: WebSocket): void {
  (ws as unknown as { _socket: { pause(): void } })._socket.pause();
}

/** One 16 MiB broadcast to 200 paused sessions while a healthy client in another project keeps asking. */
async function broadcastToNonReaders(maxBufferedBytes: number) {
  const { url } = await startProject(
    {
      "p/sink.js": "exports.onOpen = () => {};",
      "p/sink.websocket": descriptor("sink", "p/sink"),
      "p/trigger.js": `exports.onMessage = () => {
        require("net/v4/websockets").broadcast("x".repeat(16 * 1024 * 1024), { endpoint: "sink" });
        return "broadcast";
      };`,
      "p/trigger.websocket": descriptor("trigger", "p/trigger"),
      "healthy/echo.js": "exports.onMessage = (m) => m;",
      "healthy/echo.websocket": descriptor("echo", "healthy/echo"),
    },
    { maxBufferedBytes },
  );
  const sinks: TestClient[] = [];
  for (let i = 0; i < SESSIONS; i += 20) {
    sinks.push(...(await Promise.all(Array.from({ length: 20 }, () => TestClient.connect(url("sink"))))));
  }
  for (const s of sinks) stopReading(s.ws);
  const trigger = await TestClient.connect(url("trigger"));
  const healthy = await TestClient.connect(url("echo"));
  expect(await healthy.ask("warm-up")).toBe("warm-up");

  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const peakBefore = process.resourceUsage().maxRSS * 1024;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  trigger.send("go");
  // Round trips to the healthy endpoint while the broadcast goes out, until it has (and a few after).
  const trips: number[] = [];
  const begun = performance.now();
  while (trigger.messages.length === 0 || trips.length < 10) {
    const started = performance.now();
    expect(await healthy.ask(`ping ${trips.length}`, 30_000)).toBe(`ping ${trips.length}`);
    trips.push(performance.now() - started);
    if (performance.now() - begun > 60_000) throw new Error("the broadcast did not finish within 60 s");
  }
  loop.disable();
  expect(trigger.messages[0]).toBe("broadcast");
  const result = {
    rssGrowth: Math.max(process.memoryUsage().rss - rssBefore, process.resourceUsage().maxRSS * 1024 - peakBefore),
    worstTrip: Math.max(...trips),
    loopMaxMs: loop.max / 1e6,
  };
  console.log(
    `maxBufferedBytes ${maxBufferedBytes / MIB} MiB: RSS growth ${(result.rssGrowth / MIB).toFixed(0)} MB, ` +
      `worst healthy round trip ${result.worstTrip.toFixed(0)} ms, event loop max delay ${result.loopMaxMs.toFixed(0)} ms`,
  );
  return result;
}

/**
 * Row 5: one 16 MiB broadcast to 200 sessions that do not read. The payload is
 * encoded once and shared by every socket, and a session that cannot take it
 * is closed (1013) before anything is copied, so host memory and the event
 * loop stay healthy. (Before: 3.3 GB RSS and ~9 s of blocked event loop.)
 */
describe("a large broadcast to many sessions that do not read", () => {
  it("costs nothing per session when it does not fit their buffers: closed with 1013 before any copy", { timeout: 120_000 }, async () => {
    const r = await broadcastToNonReaders(4 * MIB);
    expect(r.rssGrowth).toBeLessThan(600 * MIB);
    expect(r.worstTrip).toBeLessThan(1500);
    expect(r.loopMaxMs).toBeLessThan(1500);
  });

  it("is encoded once and shared when it fits: memory stays bounded", { timeout: 120_000 }, async () => {
    // Large enough that every paused session takes the frame: only sharing keeps this cheap.
    const r = await broadcastToNonReaders(64 * MIB);
    expect(r.rssGrowth).toBeLessThan(600 * MIB);
    // The kernel still copies into 200 socket buffers; generous, but far below the old ~9 s.
    expect(r.worstTrip).toBeLessThan(5000);
  });
});
