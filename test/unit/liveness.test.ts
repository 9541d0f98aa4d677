import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { DEFAULT_LIMITS, type EndpointLimits } from "../../src/config/descriptor.js";
import { Liveness } from "../../src/peers/liveness.js";
import { CloseCodes } from "../../src/protocol/close-codes.js";
import { SessionRegistry } from "../../src/peers/sessions.js";

/** Real sockets on loopback: a server whose sessions a Liveness watches. */
interface Rig {
  liveness: Liveness;
  sessions: SessionRegistry;
  /** Opens a client; resolves with it and how its server side ended. */
  connect(endpoint: string, options?: { autoPong?: boolean }): Promise<Peer>;
}

interface Peer {
  client: WebSocket;
  pings: number[];
  /** The client's close: code and reason as the peer saw them. */
  clientClosed: Promise<{ code: number; reason: string; at: number }>;
  /** The server side's close code (1006: no close frame, the socket was cut). */
  serverClosed: Promise<number>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function rig(limits: Record<string, Partial<EndpointLimits>>): Promise<Rig> {
  const sessions = new SessionRegistry(1 << 20);
  const full = (e: string) => (limits[e] ? { ...DEFAULT_LIMITS, ...limits[e] } : undefined);
  const tightest = Math.min(
    ...Object.values(limits).flatMap((l) => [l.heartbeatMs ?? 0, l.idleTimeoutMs ?? 0]).filter((v) => v > 0),
  );
  const liveness = new Liveness(sessions, full, () => tightest);
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise((r) => wss.once("listening", r));
  const clients = new Set<WebSocket>();
  cleanups.push(async () => {
    liveness.stop();
    for (const c of clients) c.terminate();
    await new Promise((r) => wss.close(r));
  });
  const port = (wss.address() as AddressInfo).port;
  return {
    liveness,
    sessions,
    async connect(endpoint, options = {}) {
      // Wrapped: resolving with the close promise itself would wait for the close.
      const accepted = new Promise<{ closed: Promise<number> }>((resolve) =>
        wss.once("connection", (socket) => {
          const session = sessions.add(endpoint, "p", "p/h.js", socket);
          const closed = new Promise<number>((r) =>
            socket.on("close", (code) => {
              sessions.remove(session.id);
              r(code);
            }),
          );
          liveness.track(session);
          resolve({ closed });
        }),
      );
      const client = new WebSocket(`ws://127.0.0.1:${port}/`, { autoPong: options.autoPong ?? true });
      clients.add(client);
      const pings: number[] = [];
      client.on("ping", () => pings.push(Date.now()));
      const clientClosed = new Promise<{ code: number; reason: string; at: number }>((r) =>
        client.on("close", (code, reason) => r({ code, reason: reason.toString(), at: Date.now() })),
      );
      await new Promise((r, j) => {
        client.once("open", r);
        client.once("error", j);
      });
      return { client, pings, clientClosed, serverClosed: (await accepted).closed };
    },
  };
}

/** Resolves once `peer` has received `n` pings. */
function pinged(peer: Peer, n: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (peer.pings.length < n) return;
      peer.client.off("ping", check);
      resolve();
    };
    peer.client.on("ping", check);
    check();
  });
}

describe("Liveness", () => {
  it("pings each session every heartbeat and keeps the ones that answer", async () => {
    const { connect, sessions } = await rig({ beat: { heartbeatMs: 100, idleTimeoutMs: 0 } });
    const peer = await connect("beat");
    await pinged(peer, 3);
    // Pings are spaced by the heartbeat, not sent at every check.
    expect(peer.pings[1]! - peer.pings[0]!).toBeGreaterThanOrEqual(100 - 5);
    expect(peer.pings[2]! - peer.pings[1]!).toBeGreaterThanOrEqual(100 - 5);
    expect(peer.client.readyState).toBe(WebSocket.OPEN);
    expect(sessions.size).toBe(1);
  });

  it("terminates a session that missed a pong, at the next heartbeat, and keeps the one that answers", async () => {
    const { connect, sessions } = await rig({ beat: { heartbeatMs: 100, idleTimeoutMs: 0 } });
    const dead = await connect("beat", { autoPong: false });
    const alive = await connect("beat");
    // Cut without a close frame: on the server side too, no close handshake took place.
    expect(await dead.serverClosed).toBe(1006);
    const { at } = await dead.clientClosed;
    expect(dead.pings.length).toBeGreaterThanOrEqual(1);
    expect(at - dead.pings[0]!).toBeGreaterThanOrEqual(100 - 5);
    // The answering peer is pinged past the point where the silent one was cut, and stays.
    await pinged(alive, alive.pings.length + 1);
    expect(alive.client.readyState).toBe(WebSocket.OPEN);
    expect(sessions.size).toBe(1);
  });

  it("closes a session that sent nothing for idleTimeoutMs with 1001 and says why; messages keep one open", async () => {
    const { connect } = await rig({ idle: { idleTimeoutMs: 150, heartbeatMs: 0 } });
    expect(CloseCodes.goingAway).toBe(1001);
    const quiet = await connect("idle");
    const busy = await connect("idle");
    const chatter = setInterval(() => busy.client.send("still here"), 20);
    cleanups.push(() => clearInterval(chatter));
    const opened = Date.now();
    const closed = await quiet.clientClosed;
    expect(closed).toMatchObject({ code: 1001, reason: "idle for 150 ms" });
    expect(await quiet.serverClosed).toBe(1001);
    expect(closed.at - opened).toBeGreaterThanOrEqual(150 - 5);
    // Opened together with the quiet one, so it would have been closed by now had its messages not counted.
    expect(busy.client.readyState).toBe(WebSocket.OPEN);
    expect(busy.pings).toEqual([]); // heartbeat off: no pings
  });

  it("leaves sessions of endpoints without idle timeout or heartbeat alone, and stops on stop()", async () => {
    const { connect, liveness } = await rig({
      idle: { idleTimeoutMs: 100, heartbeatMs: 0 },
      none: { idleTimeoutMs: 0, heartbeatMs: 0 },
    });
    const untouched = await connect("none");
    const quiet = await connect("idle");
    await quiet.clientClosed;
    expect(untouched.client.readyState).toBe(WebSocket.OPEN);
    expect(untouched.pings).toEqual([]);
    // After stop(), a quiet session is no longer closed: a quiet session watched
    // by another Liveness with the same timeout, opened after it, is the clock.
    const after = await connect("idle");
    liveness.stop();
    const clock = await rig({ idle: { idleTimeoutMs: 100, heartbeatMs: 0 } });
    const timed = await clock.connect("idle");
    await timed.clientClosed;
    expect(after.client.readyState).toBe(WebSocket.OPEN);
  });
});
