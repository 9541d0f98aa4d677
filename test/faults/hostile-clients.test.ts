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
    const { url, runtime } = await startProject({ "p/h.js": echo, "p/h.websocket": descriptor("h", "p/h", { maxSessions: 2 }) });
    const a = await TestClient.connect(url("h"));
    await TestClient.connect(url("h"));
    const refused = await refusal(url("h"));
    expect(refused.status).toBe(503);
    expect(refused.body).toContain("maximum of 2 sessions");
    a.close();
    await a.closed;
    await waitUntil(() => runtime.endpoints()[0]?.sessions === 1, 5000, "the closed session to be released");
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
    const { url, runtime, logs } = await startProject({
      "p/h.js": echo,
      "p/beat.js": `${echo}
        exports.onOpen = (c) => c.send("you are " + c.id);
        exports.onClose = (c, info) => console.log("closed", c.id, info.code);`,
      "p/beat.websocket": descriptor("beat", "p/beat", { heartbeatMs: 150 }),
      "p/idle.websocket": descriptor("idle", "p/h", { idleTimeoutMs: 200, heartbeatMs: 0 }),
    });
    const beats = () => runtime.endpoints().find((e) => e.endpoint === "beat")?.sessions;
    // A peer that never answers a ping.
    const dead = new WebSocket(url("beat"), { autoPong: false });
    const deadId = new Promise<string>((r) => dead.once("message", (m) => r(String(m).slice("you are ".length))));
    let firstPingAt = 0;
    dead.on("ping", () => (firstPingAt ||= Date.now()));
    const deadClosed = new Promise<number>((r) => dead.on("close", () => r(Date.now())));
    const alive = await TestClient.connect(url("beat"));
    const aliveId = String((await alive.received(1))[0]).slice("you are ".length);
    const id = await deadId;
    const closedAt = await deadClosed;
    // The server dropped it, not the peer: it was pinged, had a heartbeat to answer,
    // and its session ended without a close handshake (a terminate).
    expect(firstPingAt).toBeGreaterThan(0);
    expect(closedAt - firstPingAt).toBeGreaterThanOrEqual(150 - 5);
    await logs.waitFor((l) => l.msg === `closed ${id} 1006`);
    await waitUntil(() => beats() === 1, 5000, "the dead peer's session to be released");
    // The peer that answers pings was kept through the same heartbeats.
    expect(await alive.ask("x")).toBe("echo:x");
    expect(alive.isOpen).toBe(true);
    expect(logs.messages().some((m) => m.startsWith(`closed ${aliveId} `))).toBe(false);

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

  const firehose = {
    "p/firehose.js": `
      exports.onMessage = (m, c) => { const chunk = "x".repeat(256 * 1024); for (let i = 0; i < 64; i++) c.send(chunk); console.log("sent"); };
      exports.onClose = (c, info) => console.log("closed", info.code, info.reason);`,
    "p/firehose.websocket": descriptor("firehose", "p/firehose"),
  };
  const stopReading = (c: TestClient) => (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;

  it("closes a session that does not read what it is sent with 1013, without holding its data", async () => {
    const { url, runtime, logs } = await startProject(firehose, { maxBufferedBytes: 256 * 1024 });
    const c = await TestClient.connect(url("firehose"));
    stopReading(c).pause();
    c.send("go");
    // The sends were applied in order, so the server has already given up on this reader.
    await logs.waitFor((l) => l.msg === "sent");
    stopReading(c).resume();
    // What the user sees once it reads again: what fitted in the send buffer, then 1013.
    expect(await c.closed).toEqual({ code: 1013, reason: "client reads too slowly" });
    expect(c.messages.length).toBeGreaterThan(0);
    expect(c.messages.length).toBeLessThan(64);
    await logs.waitFor((l) => l.msg === "closed 1013 client reads too slowly");
    await waitUntil(() => runtime.endpoints()[0]?.sessions === 0, 5000, "the session to be released");
  });

  it("drops a session that never reads again once its close has gone unanswered", async () => {
    const { url, runtime, logs } = await startProject(firehose, { maxBufferedBytes: 256 * 1024 });
    const c = await TestClient.connect(url("firehose"));
    stopReading(c).pause();
    c.send("go");
    await logs.waitFor((l) => l.msg === "sent");
    const askedAt = Date.now();
    // The server asked it to close and waits for an answer before dropping it.
    expect(runtime.endpoints()[0]?.sessions).toBe(1);
    await waitUntil(() => runtime.endpoints()[0]?.sessions === 0, 10_000, "the slow reader to be dropped");
    expect(Date.now() - askedAt).toBeGreaterThanOrEqual(1000);
    // No close frame came back: the handler is told the connection was cut, not closed.
    await logs.waitFor((l) => l.msg.startsWith("closed "));
    expect(logs.messages().filter((m) => m.startsWith("closed "))).toEqual(["closed 1006 "]);
  });
});
