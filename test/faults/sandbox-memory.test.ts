import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { mb, RssWatch } from "../helpers/memory.js";
import { descriptor } from "../helpers/project.js";
import { nextReload, startProject, waitUntil } from "../helpers/runtime.js";

const MiB = 1024 * 1024;
const watches: RssWatch[] = [];
const servers: Server[] = [];
afterEach(() => {
  for (const w of watches.splice(0)) w.stop();
  for (const s of servers.splice(0)) s.close();
});

function watch(limitBytes: number): RssWatch {
  const w = new RssWatch(limitBytes);
  watches.push(w);
  return w;
}

/** Polls `probe` while checking the RSS watch, so a runaway attack fails the test early. */
async function until<T>(w: RssWatch, probe: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  return waitUntil(() => {
    w.check();
    return probe();
  }, timeoutMs, what);
}

describe("memory a script or a client can make the host hold", () => {
  it("keeps WebAssembly memories and resizable buffers out of handler scripts, whose memory the project limit would not count", async () => {
    const { url } = await startProject({
      "p/grow.js": `
        const keep = [];
        exports.onMessage = (m) => {
          try {
            if (m === "wasm") {
              const memory = new WebAssembly.Memory({ initial: 1, maximum: 4096 });
              memory.grow(1024);
              new Uint8Array(memory.buffer).fill(1);
              keep.push(memory);
            } else if (m === "resizable") {
              const b = new ArrayBuffer(1, { maxByteLength: 256 * 1024 * 1024 });
              b.resize(64 * 1024 * 1024);
              new Uint8Array(b).fill(1);
              keep.push(b);
            } else {
              const b = new SharedArrayBuffer(1, { maxByteLength: 256 * 1024 * 1024 });
              b.grow(64 * 1024 * 1024);
              keep.push(b);
            }
            return "grew";
          } catch (e) {
            return String(e);
          }
        };`,
      "p/grow.websocket": descriptor("grow", "p/grow"),
    });
    const rss = watch(1024 * MiB);
    const c = await TestClient.connect(url("grow"));
    expect(await c.ask("wasm")).toBe("ReferenceError: WebAssembly is not defined");
    expect(await c.ask("resizable")).toMatch(
      /^TypeError: ArrayBuffer: resizable and growable buffers are not available in handler scripts .*new ArrayBuffer\(length\)\.$/,
    );
    expect(await c.ask("growable")).toMatch(/^TypeError: SharedArrayBuffer: resizable and growable buffers are not available/);
    rss.check();
    expect(rss.peakGrowth).toBeLessThan(200 * MiB);
  });

  it("collects the strings a script sends, even to a closed session, so host memory stays bounded and returns to baseline", async () => {
    const { url, project, runtime } = await startProject({
      "p/flood.js": `
        const big = "x".repeat(30 * 1024 * 1024);
        exports.onOpen = (c) => { setInterval(() => c.send(big), 1); };`,
      "p/flood.websocket": descriptor("flood", "p/flood"),
    });
    const rss = watch(1024 * MiB);
    const c = await TestClient.connect(url("flood"));
    c.close();
    await c.closed;
    // The timer keeps sending 30 MiB strings to the closed session for three seconds.
    const deadline = Date.now() + 3000;
    await until(rss, () => Date.now() > deadline, 10_000, "three seconds of flooding");
    const stopped = nextReload(runtime, (e) => e.file === "p/flood.js" && e.ok);
    await project.write("p/flood.js", "exports.onMessage = (m) => m;");
    await stopped;
    rss.check();
    // Back near the baseline once the flood stops.
    await until(rss, () => rss.growth < 300 * MiB, 10_000, `RSS back near baseline (now ${mb(rss.growth)} above)`);
  });

  it("bounds what a script queues on an outgoing client that never finishes connecting, and tells the script", async () => {
    // A server that accepts TCP connections and never answers the handshake.
    const mute = createServer(() => undefined);
    servers.push(mute);
    await new Promise<void>((r) => mute.listen(0, "127.0.0.1", r));
    const port = (mute.address() as { port: number }).port;
    const { url, logs } = await startProject(
      {
        "p/stuck.js": `
          const { createWebsocket } = require("net/v4/websockets");
          const big = "y".repeat(30 * 1024 * 1024);
          exports.onOpen = () => {
            const client = createWebsocket("ws://127.0.0.1:${port}/", "p/client");
            setInterval(() => client.send(big), 1);
          };`,
        "p/stuck.websocket": descriptor("stuck", "p/stuck"),
        "p/client.js": "exports.onError = (e) => console.warn('client error: ' + e);",
      },
      { outboundHosts: ["127.0.0.1"] },
    );
    const rss = watch(1024 * MiB);
    const c = await TestClient.connect(url("stuck"));
    const refused = await logs.waitFor((l) => /^client error: Error: a frame to ws:\/\/127\.0\.0\.1:\d+\/ was dropped/.test(l.msg), 10_000);
    expect(refused.msg).toMatch(/already wait for it to connect \(limit 4194304 bytes\)\. Wait for onOpen before sending much/);
    const deadline = Date.now() + 2000;
    await until(rss, () => Date.now() > deadline, 10_000, "two more seconds of sending");
    rss.check();
    c.close();
  });

  it("never lets one client's large frames kill the project's isolate: they are taken a few megabytes at a time", { timeout: 90_000 }, async () => {
    const { url, logs } = await startProject(
      {
        "p/slow.js": `exports.onMessage = (m) => { const end = Date.now() + 10; while (Date.now() < end) {} return "ok " + m.length; };`,
        "p/slow.websocket": descriptor("slow", "p/slow"),
        "p/other.js": "exports.onMessage = (m) => 'other:' + m;",
        "p/other.websocket": descriptor("other", "p/other"),
      },
      { memoryLimitMb: 64 },
    );
    const rss = watch(2048 * MiB);
    const other = await TestClient.connect(url("other"));
    const flooder = await TestClient.connect(url("slow"));
    const frame = "z".repeat(MiB - 64);
    const total = 300;
    for (let i = 0; i < total; i++) flooder.send(frame);
    const crashed = () => logs.messages().filter((m) => /crashed|disabled/.test(m));
    await until(
      rss,
      () => {
        if (crashed().length) throw new Error(`the project's isolate died: ${crashed().join("; ")}`);
        return flooder.messages.length === total;
      },
      60_000,
      "every large frame answered",
    );
    expect(flooder.messages.every((m) => m === `ok ${MiB - 64}`)).toBe(true);
    expect(await other.ask("still")).toBe("other:still");
    expect(other.isOpen).toBe(true);
    expect(crashed()).toEqual([]);
  });
});
