import { connect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil, type TestRuntime } from "../helpers/runtime.js";

const files = {
  "p/h.js": "exports.onMessage = (m) => 'ok:' + m; exports.onError = (e) => console.warn('onError ' + e);",
  "p/h.websocket": descriptor("h", "p/h"),
};

function port(t: TestRuntime): number {
  return Number(new URL(t.runtime.url).port);
}

/** A raw TCP connection to the server, collecting everything it receives. */
function raw(t: TestRuntime): Promise<{ socket: Socket; received: () => Buffer; ended: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port(t), "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.on("data", (c) => chunks.push(c));
    const ended = new Promise<void>((r) => socket.on("close", () => r()));
    socket.on("error", () => undefined);
    socket.once("connect", () => resolve({ socket, received: () => Buffer.concat(chunks), ended }));
    socket.once("error", reject);
  });
}

const HANDSHAKE =
  "GET /websockets/v4/service/h HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

describe("bad traffic", () => {
  it("closes a session that sends a malformed frame with 1002, tells onError, and keeps serving", async () => {
    const t = await startProject(files);
    const { socket, received, ended } = await raw(t);
    socket.write(HANDSHAKE);
    await waitUntil(() => received().includes("\r\n\r\n"));
    expect(received().toString()).toMatch(/^HTTP\/1\.1 101/);
    // An unmasked text frame: clients must mask, so this is a protocol error.
    socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69]));
    await ended;
    const tail = received().subarray(received().indexOf("\r\n\r\n") + 4);
    expect(tail[0]).toBe(0x88); // close frame
    expect(tail.readUInt16BE(2)).toBe(1002);
    await t.logs.waitFor((l) => /^onError Error: .*MASK/i.test(l.msg));
    expect(await (await TestClient.connect(t.url("h"))).ask("x")).toBe("ok:x");
  });

  it("answers upgrade requests that are not WebSocket handshakes with 400", async () => {
    const t = await startProject(files);
    const { socket, received, ended } = await raw(t);
    socket.write("GET /websockets/v4/service/h HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n");
    await ended;
    expect(received().toString()).toMatch(/^HTTP\/1\.1 400/);
    expect(await (await TestClient.connect(t.url("h"))).ask("x")).toBe("ok:x");
  });

  it("drops a slowloris handshake that trickles its headers", async () => {
    const t = await startProject(files, { handshakeTimeoutMs: 300 });
    const { socket, ended } = await raw(t);
    socket.write("GET /websockets/v4/service/h HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    const trickle = setInterval(() => socket.writable && socket.write("X-Slow: 1\r\n"), 50);
    const started = Date.now();
    await ended;
    clearInterval(trickle);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await (await TestClient.connect(t.url("h"))).ask("x")).toBe("ok:x");
  });

  it("holds nothing for 2000 connections dropped mid-handshake", { timeout: 60_000 }, async () => {
    const t = await startProject(files);
    const drop = async (i: number) => {
      const { socket } = await raw(t);
      socket.write(i % 2 ? HANDSHAKE.slice(0, 40 + (i % 100)) : HANDSHAKE);
      socket.destroy();
    };
    for (let i = 0; i < 2000; i += 100) await Promise.all(Array.from({ length: 100 }, (_, k) => drop(i + k)));
    const open = () => new Promise<number>((r) => t.runtime.server.getConnections((_e, n) => r(n)));
    await waitUntil(async () => (await open()) === 0, 10_000, "every dropped connection to be let go");
    expect(await open()).toBe(0);
    expect(t.runtime.endpoints()[0]?.sessions).toBe(0);
    expect(await (await TestClient.connect(t.url("h"))).ask("x")).toBe("ok:x");
  });
});
