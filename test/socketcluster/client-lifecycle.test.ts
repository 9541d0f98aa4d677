import { describe, expect, it } from "vitest";
import { createTestRuntime, LogCapture } from "../helpers/runtime.js";
import { handshakeAnswer, HOOKS, refusingHandshakes } from "./handlers.js";
import { PingRelay } from "./ping-relay.js";
import { AUTH_KEY, MapAuthEngine, scDescriptor, startSc } from "./sc-client.js";

/** Reconnects at once (the stock client waits 10 to 20 s by default). */
const quickReconnect = { autoReconnect: true, autoReconnectOptions: { initialDelay: 20, randomness: 0, multiplier: 1, maxDelay: 100 } };

const files = () => ({
  "p/h.js": HOOKS,
  "p/h.websocket": scDescriptor("life", "p/h", { pingIntervalMs: 200, pingTimeoutMs: 600 }),
  "p/refuse.js": refusingHandshakes(2),
  "p/refuse.websocket": scDescriptor("refuse", "p/refuse"),
  "p/forever.js": handshakeAnswer("{ permanent: true }"),
  "p/forever.websocket": scDescriptor("forever", "p/forever"),
  "p/thrown.js": handshakeAnswer('new (require("net/v4/channels").ChannelError)("NotWelcomeError", "go away", { permanent: true })', true),
  "p/thrown.websocket": scDescriptor("thrown", "p/thrown"),
});

describe("stock socketcluster-client: connection lifecycle", () => {
  it("states closed → connecting → open, the connect event's fields, and a new id after a reconnect", async () => {
    const sc = await startSc(files());
    const client = sc.client("life", { ...quickReconnect, autoConnect: false });
    const { socket } = client;
    expect(socket.state).toBe("closed");
    socket.connect();
    expect(socket.state).toBe("connecting");
    const connect = await client.next("connect");
    expect(socket.state).toBe("open");
    expect(connect).toMatchObject({ id: socket.id, isAuthenticated: false, pingTimeout: 600, authToken: null });
    expect(connect.authError).toBeUndefined();
    expect(socket.id).toMatch(/^s\d+$/);
    expect(socket.pingTimeout).toBe(600);
    const first = socket.id;

    const mark = client.mark;
    await socket.invoke("close", { code: 4100 }).catch(() => null);
    const disconnect = await client.next("disconnect", mark);
    expect(disconnect).toMatchObject({ code: 4100, reason: "closed by the handler" });
    await client.next("connect", mark);
    expect(client.events(mark)).toEqual(["disconnect", "close", "connecting", "connect"]);
    expect(socket.id).toMatch(/^s\d+$/);
    expect(socket.id).not.toBe(first);
  });

  it("onHandshake false → HandshakeRejectedError, connectAbort 4008, and the client tries again", async () => {
    const sc = await startSc(files());
    const client = sc.client("refuse", quickReconnect);
    await client.next("connect");
    const aborts = client.emitted.filter((e) => e.event === "connectAbort").map((e) => e.data.code);
    expect(aborts).toEqual([4008, 4008]);
    const errors = client.emitted.filter((e) => e.event === "error").map((e) => e.data.error.name);
    expect(errors).toContain("HandshakeRejectedError");
    expect(await client.socket.invoke("handshakes", null)).toBe(3);
  });

  it("onHandshake {permanent:true} → connectAbort 4508 and no retry; a thrown error's name reaches the client", async () => {
    const sc = await startSc(files());
    const client = sc.client("forever", quickReconnect);
    expect(await client.next("connectAbort")).toMatchObject({ code: 4508 });
    await client.next("close");
    await new Promise((r) => setImmediate(r));
    expect(client.socket.state).toBe("closed");
    expect(client.socket.pendingReconnect).toBe(false);
    expect(client.events().filter((e) => e === "connecting")).toHaveLength(1);

    const thrown = sc.client("thrown", quickReconnect);
    expect(await thrown.next("connectAbort")).toMatchObject({ code: 4508 });
    const handshakeError = await thrown.next("error", 0, (d) => d.error.name !== "SocketProtocolError");
    expect(handshakeError.error).toMatchObject({ name: "NotWelcomeError", message: "go away", statusCode: 4508 });
    await new Promise((r) => setImmediate(r));
    expect(thrown.socket.pendingReconnect).toBe(false);
  });

  it("a client that stops answering pings is closed with 4001 within pingTimeoutMs", async () => {
    const sc = await startSc(files());
    const client = sc.client("life");
    // The client still hears pings (its own timer is reset) but sends no pong.
    const transport = client.socket.transport as unknown as { _handlePing: (m: string) => boolean; _resetPingTimeout: () => void };
    transport._handlePing = (message) => {
      if (message !== "") return false;
      transport._resetPingTimeout();
      return true;
    };
    await client.next("connect");
    const opened = Date.now();
    expect(await client.next("disconnect")).toMatchObject({ code: 4001 });
    expect(Date.now() - opened).toBeLessThan(600 + 1000);
  });

  it("pings keep the client connected; when they stop it leaves with 4000 and reconnects at once", async () => {
    const sc = await startSc(files());
    const relay = await PingRelay.start(`ws://127.0.0.1:${sc.port}`);
    try {
      const client = sc.client("life", { ...quickReconnect, port: relay.port });
      await client.next("connect");
      const first = client.socket.id;
      // Five pings 200 ms apart outlast the 600 ms window.
      await client.next("message", 0, () => client.emitted.filter((e) => e.event === "message" && e.data.message === "").length >= 5);
      expect(client.events()).toEqual(["connecting", "connect"]);
      const mark = client.mark;
      relay.holdPings = true;
      expect(await client.next("disconnect", mark)).toMatchObject({ code: 4000 });
      relay.holdPings = false;
      await client.next("connect", mark);
      expect(client.socket.id).not.toBe(first);
    } finally {
      await relay.close();
    }
  });

  it("a server restart: disconnect 1001, then the client reconnects to the new process, signed in with its stored token", async () => {
    const sc = await startSc(files());
    const client = sc.client("life", { ...quickReconnect, authEngine: new MapAuthEngine() });
    await client.next("connect");
    await client.socket.invoke("login", { user: "ann" });
    await client.next("authenticate");
    const mark = client.mark;
    await sc.runtime.close(500);
    expect(await client.next("disconnect", mark)).toMatchObject({ code: 1001 });
    const second = createTestRuntime({ projectRoot: sc.project.root, port: sc.port, host: "127.0.0.1", logger: new LogCapture().logger, authKey: AUTH_KEY });
    try {
      await second.listen();
      const connect = await client.next("connect", mark);
      expect(connect.isAuthenticated).toBe(true);
      expect(await client.socket.invoke("whoami", null)).toBe("ann");
    } finally {
      client.socket.disconnect();
      await second.close(500);
    }
  });
});
