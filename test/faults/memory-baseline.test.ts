import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { descriptor } from "../helpers/project.js";
import { startProject, type TestRuntime } from "../helpers/runtime.js";

const gc = (globalThis as { gc?: () => void }).gc;

async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc!();
    await new Promise((r) => setTimeout(r, 50));
  }
  return process.memoryUsage().heapUsed;
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
      s.write(
        "GET /websockets/v4/service/h HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      );
      setTimeout(() => {
        s.write(Buffer.from([0x81, 0x05, 104, 101, 108, 108, 111])); // unmasked: a protocol error
        setTimeout(() => {
          s.destroy();
          resolve();
        }, 20);
      }, 20);
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
      await new Promise((r) => setTimeout(r, 300));
      grown[name] = Math.round((await heapAfterGc()) - baseline) / 1048576;
    }
    // A leak of even 1 KiB per connection would show as megabytes here.
    for (const [name, mb] of Object.entries(grown)) expect(mb, name).toBeLessThan(3);
    expect(t.runtime.endpoints()[0]?.sessions).toBe(0);
  });
});
