import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil } from "../helpers/runtime.js";

/** A remote WebSocket server that records what it receives, and can go away and come back on its port. */
class Remote {
  readonly received: string[] = [];
  connections = 0;
  private http: Server | undefined;
  private wss: WebSocketServer | undefined;
  private readonly sockets = new Set<WebSocket>();
  port = 0;

  async start(port = 0): Promise<void> {
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    wss.on("connection", (ws) => {
      this.connections++;
      this.sockets.add(ws);
      ws.on("close", () => this.sockets.delete(ws));
      ws.on("message", (m) => this.received.push(m.toString()));
    });
    await new Promise<void>((resolve) => http.listen(port, "127.0.0.1", resolve));
    this.port = (http.address() as AddressInfo).port;
    this.http = http;
    this.wss = wss;
  }

  /** Drops every connection and stops listening. */
  async stop(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.wss?.close();
    await new Promise((resolve) => this.http?.close(resolve));
  }
}

const remotes: Remote[] = [];
afterEach(async () => {
  for (const r of remotes.splice(0)) await r.stop();
});

const files = () => ({
  "p/control.js": `
    const ws = require("net/v4/websockets");
    exports.onMessage = (m) => {
      const [cmd, arg] = m.split(" ");
      if (cmd === "create") return ws.createWebsocket(arg, "p/feed", { reconnect: true }).id;
      if (cmd === "create4") return ws.createWebsocket(arg, "p/feed", "javascript", { reconnect: true }).id;
      if (cmd === "list") return JSON.stringify(ws.getClients().map((c) => [c.id, c.readyState, c.reconnect, c.attempt]));
      if (cmd === "close") { ws.getClient(arg).close(); return "closing"; }
      if (cmd === "bad") { try { ws.createWebsocket(arg, "p/feed", { reconnect: "yes" }); } catch (e) { return e.name + ": " + e.message; } }
    };`,
  "p/control.websocket": descriptor("control", "p/control"),
  // The feed tells the remote what happened; sends made while it reconnects are queued.
  "p/feed.js": `
    const ws = require("net/v4/websockets");
    exports.onOpen = (client) => client.send("open " + client.id);
    exports.onReconnect = (client, attempt) => client.send("reconnect " + client.id + " " + attempt + " " + ws.getMethod());
    exports.onClose = (client) => ws.broadcast("closed " + client.id, { endpoint: "control" });
  `,
});

describe("createWebsocket(uri, handler, { reconnect: true })", () => {
  it("keeps its id across a drop of the remote server, runs onReconnect, then onOpen again, and stops on close()", async () => {
    const remote = new Remote();
    remotes.push(remote);
    await remote.start();
    const { url } = await startProject(files(), { outboundHosts: [`127.0.0.1:${remote.port}`] });
    const control = await TestClient.connect(url("control"));
    const id = String(await control.ask(`create ws://127.0.0.1:${remote.port}/feed`));
    await waitUntil(() => remote.received.includes(`open ${id}`), 5000, "first open");

    const port = remote.port;
    await remote.stop();
    const listed = JSON.parse(String(await waitUntil(async () => {
      const l = String(await control.ask("list"));
      return JSON.parse(l)[0]?.[3] > 0 && l;
    }, 5000, "listed as reconnecting")));
    expect(listed[0].slice(0, 3)).toEqual([id, 0, true]);

    const before = remote.received.length;
    await remote.start(port);
    await waitUntil(() => remote.received.slice(before).includes(`open ${id}`), 10_000, "back");
    // The reconnect hook ran (its sends were queued and went out first), then onOpen again with the same id.
    const after = remote.received.slice(before);
    expect(after[0]).toBe(`reconnect ${id} 1 onreconnect`);
    expect(after.at(-1)).toBe(`open ${id}`);
    expect(after.slice(0, -1).every((r, i) => r === `reconnect ${id} ${i + 1} onreconnect`)).toBe(true);
    expect(JSON.parse(String(await control.ask("list")))).toEqual([[id, 1, true, 0]]);

    // The script's own close() ends it: onClose runs once, and the client is gone.
    control.send(`close ${id}`);
    await waitUntil(() => control.messages.includes(`closed ${id}`), 5000, "closed");
    expect(JSON.parse(String(await control.ask("list")))).toEqual([]);
    expect(remote.connections).toBe(2);
  });

  it("stops waiting when closed while down, accepts the options in the engine's place or after it, and checks them", async () => {
    const remote = new Remote();
    remotes.push(remote);
    await remote.start();
    const { url } = await startProject(files(), { outboundHosts: [`127.0.0.1:${remote.port}`] });
    const control = await TestClient.connect(url("control"));
    const id = String(await control.ask(`create4 ws://127.0.0.1:${remote.port}/feed`));
    await waitUntil(() => remote.received.includes(`open ${id}`), 5000, "open");
    await remote.stop();
    await waitUntil(async () => JSON.parse(String(await control.ask("list")))[0]?.[3] > 0, 5000, "reconnecting");
    control.send(`close ${id}`);
    await waitUntil(() => control.messages.includes(`closed ${id}`), 5000, "closed while waiting");
    expect(JSON.parse(String(await control.ask("list")))).toEqual([]);
    expect(await control.ask(`bad ws://127.0.0.1:${remote.port}/feed`)).toBe(
      "TypeError: createWebsocket(uri, handler, engine, options): options.reconnect must be true or false",
    );
  });
});
