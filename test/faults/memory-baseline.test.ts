import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil, type TestRuntime } from "../helpers/runtime.js";

const gc = (globalThis as { gc?: () => void }).gc;

/** Heap after collecting until it stops shrinking (close callbacks and finalizers run between rounds). */
async function heapAfterGc(): Promise<number> {
  let last = Infinity;
  for (let i = 0; i < 10; i++) {
    gc!();
    // Two turns of the event loop: past a close phase, so sockets' close callbacks have run.
    for (let t = 0; t < 2; t++) await new Promise((r) => setImmediate(r));
    const now = process.memoryUsage().heapUsed;
    if (i >= 2 && last - now < 64 * 1024) return now;
    last = now;
  }
  return last;
}

const port = (t: TestRuntime) => Number(new URL(t.runtime.url).port);

function halfOpen(t: TestRuntime): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(port(t), "127.0.0.1");
    s.on("error", () => resolve());
    s.once("connect", () => {
      s.write("GET /websockets/v4/service/h HTTP/1.1\r\nHost: 127.0.0.1\r\nUpg");
      s.destroy();
      resolve();
    });
  });
}

function malformed(t: TestRuntime): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(port(t), "127.0.0.1");
    s.on("error", () => resolve());
    s.once("connect", () => {
      // Once the server has accepted the handshake, an unmasked frame: a protocol error.
      // Done when the server closes the connection over it.
      s.once("data", () => s.write(Buffer.from([0x81, 0x05, 104, 101, 108, 108, 111])));
      s.on("close", () => resolve());
      s.write(
        "GET /websockets/v4/service/h HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      );
    });
  });
}

function session(t: TestRuntime): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(t.url("h"));
    ws.on("open", () => ws.send("x"));
    ws.on("message", () => ws.close());
    ws.on("close", () => resolve());
    ws.on("error", () => resolve());
  });
}

/** Every connection of the waves has been let go by the server. */
async function settled(t: TestRuntime): Promise<void> {
  const open = () => new Promise<number>((r) => t.runtime.server.getConnections((_e, n) => r(n)));
  await waitUntil(async () => (await open()) === 0 && t.runtime.endpoints()[0]?.sessions === 0, 10_000, "every connection to be let go");
}

async function inWaves(total: number, wave: number, one: () => Promise<void>): Promise<void> {
  for (let i = 0; i < total; i += wave) await Promise.all(Array.from({ length: wave }, one));
}

describe("host memory after bad traffic", () => {
  it.skipIf(!gc)("returns to baseline after half-open handshakes, malformed frames and session churn", { timeout: 120_000 }, async () => {
    const t = await startProject({
      "p/h.js": "exports.onMessage = (m) => m; exports.onError = () => {};",
      "p/h.websocket": descriptor("h", "p/h"),
    });
    await inWaves(200, 50, () => session(t)); // warm up code paths and pools
    const baseline = await heapAfterGc();
    const grown: Record<string, number> = {};
    for (const [name, total, wave, one] of [
      ["half-open handshakes", 3000, 100, () => halfOpen(t)],
      ["malformed frames", 1000, 50, () => malformed(t)],
      ["sessions opened and closed", 2000, 50, () => session(t)],
    ] as const) {
      await inWaves(total, wave, one);
      await settled(t);
      grown[name] = Math.round((await heapAfterGc()) - baseline) / 1048576;
    }
    // A leak of even 1 KiB per connection would show as megabytes here.
    for (const [name, mb] of Object.entries(grown)) expect(mb, name).toBeLessThan(3);
    expect(t.runtime.endpoints()[0]?.sessions).toBe(0);
  });
});
