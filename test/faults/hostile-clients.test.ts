import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { refusal, TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil } from "../helpers/runtime.js";

const echo = "exports.onMessage = (m) => typeof m === 'string' ? 'echo:' + m : 'bytes:' + m.byteLength;";

function connectWithOrigin(url: string, origin: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { origin });
    ws.on("open", () => {
      ws.close();
      resolve(101);
    });
    ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    ws.on("error", () => undefined);
  });
}

describe("hostile clients", () => {
  it("closes a session that sends a frame over maxPayload with 1009, and others keep working", async () => {
    const { url } = await startProject({ "p/h.js": echo, "p/h.websocket": descriptor("h", "p/h", { maxPayload: 1024 }) });
    const big = await TestClient.connect(url("h"));
    const fine = await TestClient.connect(url("h"));
    expect(await big.ask("x".repeat(1024))).toBe(`echo:${"x".repeat(1024)}`);
    big.send(Buffer.alloc(1025));
    expect((await big.closed).code).toBe(1009);
    expect(await fine.ask("still")).toBe("echo:still");
  });

  it("refuses handshakes past maxSessions with 503", async () => {
    const { url } = await startProject({ "p/h.js": echo, "p/h.websocket": descriptor("h", "p/h", { maxSessions: 2 }) });
    const a = await TestClient.connect(url("h"));
    await TestClient.connect(url("h"));
    const refused = await refusal(url("h"));
    expect(refused.status).toBe(503);
    expect(refused.body).toContain("maximum of 2 sessions");
    a.close();
    await a.closed;
    await new Promise((r) => setTimeout(r, 50));
    expect(await (await TestClient.connect(url("h"))).ask("x")).toBe("echo:x");
  });

  it("allows no Origin, the same origin and listed origins; refuses others with 403", async () => {
    const { url, runtime } = await startProject({
      "p/h.js": echo,
      "p/open.websocket": descriptor("open", "p/h", { allowedOrigins: ["*"] }),
      "p/strict.websocket": descriptor("strict", "p/h", { allowedOrigins: ["https://app.example.com"] }),
    });
    const self = runtime.url;
    expect(await connectWithOrigin(url("strict"), self)).toBe(101);
    expect(await connectWithOrigin(url("strict"), "https://app.example.com")).toBe(101);
    expect(await connectWithOrigin(url("strict"), "https://evil.example.com")).toBe(403);
    expect(await connectWithOrigin(url("open"), "https://evil.example.com")).toBe(101);
    expect(await TestClient.connect(url("strict"))).toBeTruthy(); // no Origin header
    const body = await new Promise<string>((resolve) => {
      const ws = new WebSocket(url("strict"), { origin: "https://evil.example.com" });
      ws.on("unexpected-response", (_q, res) => {
        let b = "";
        res.on("data", (c: Buffer) => (b += c));
        res.on("end", () => resolve(b));
      });
      ws.on("error", () => undefined);
    });
    expect(body).toContain('List it in the descriptor\'s "allowedOrigins"');
  });

  it("terminates a peer that stops answering pings, and closes idle sessions with 1001", async () => {
    const { url } = await startProject({
      "p/h.js": echo,
      "p/beat.websocket": descriptor("beat", "p/h", { heartbeatMs: 150 }),
      "p/idle.websocket": descriptor("idle", "p/h", { idleTimeoutMs: 200, heartbeatMs: 0 }),
    });
    const dead = new WebSocket(url("beat"), { autoPong: false });
    const deadClosed = new Promise<number>((r) => dead.on("close", (code) => r(code)));
    const alive = await TestClient.connect(url("beat"));
    expect(await deadClosed).toBe(1006); // terminated without a close frame
    expect(await alive.ask("x")).toBe("echo:x");
    expect(alive.isOpen).toBe(true);

    const idle = await TestClient.connect(url("idle"));
    const closed = await idle.closed;
    expect(closed).toEqual({ code: 1001, reason: "idle for 200 ms" });
  });

  it("pauses a flooding client behind a bounded queue and still answers every message", async () => {
    const { url, runtime } = await startProject(
      {
        "p/slow.js": "exports.onMessage = (m) => { const end = Date.now() + 1; while (Date.now() < end) {} return 'ok:' + m.split('.')[0]; };",
        "p/slow.websocket": descriptor("slow", "p/slow"),
      },
      { maxQueuedEvents: 100 },
    );
    const c = await TestClient.connect(url("slow"));
    const total = 3000;
    let maxQueued = 0;
    const probe = setInterval(() => {
      const stats = runtime.handlerStats()[0];
      maxQueued = Math.max(maxQueued, (stats?.queued ?? 0) + (stats?.running ?? 0));
    }, 2);
    for (let i = 0; i < total; i++) c.send(String(i).padEnd(1024, "."));
    await c.received(total, 60_000);
    clearInterval(probe);
    expect(c.messages[total - 1]).toBe(`ok:${total - 1}`);
    // Waiting or running: frames ws had already read still arrive after the pause, a socket buffer's worth.
    expect(maxQueued).toBeLessThan(100 + 200);
    expect(maxQueued).toBeGreaterThan(0);
  });

  it("closes a session that does not read what it is sent (1013), without holding its data", async () => {
    const { url, runtime, logs } = await startProject(
      {
        "p/firehose.js": `
          exports.onMessage = (m, c) => { const chunk = "x".repeat(256 * 1024); for (let i = 0; i < 64; i++) c.send(chunk); };
          exports.onClose = (c, info) => console.log("closed", info.code);`,
        "p/firehose.websocket": descriptor("firehose", "p/firehose"),
      },
      { maxBufferedBytes: 256 * 1024 },
    );
    const c = await TestClient.connect(url("firehose"));
    (c.ws as unknown as { _socket: { pause(): void } })._socket.pause(); // stop reading
    c.send("go");
    await waitUntil(() => runtime.endpoints()[0]?.sessions === 0, 10_000, "the slow reader to be dropped");
    await logs.waitFor((l) => /^closed (1013|1006)$/.test(l.msg));
  });
});
