import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";

/**
 * A WebSocket relay in front of a runtime that can swallow the server's `""`
 * pings: while `holdPings` is set the client hears none, and the relay
 * answers them itself so the server keeps the connection. Text frames and
 * close codes pass through otherwise.
 */
export class PingRelay {
  holdPings = false;
  private readonly server: WebSocketServer;

  private constructor(server: WebSocketServer, target: string) {
    this.server = server;
    server.on("connection", (client, request) => {
      const upstream = new WebSocket(target + (request.url ?? "/"));
      const queued: string[] = [];
      client.on("message", (data) => {
        const text = data.toString("utf8");
        if (upstream.readyState === WebSocket.OPEN) upstream.send(text);
        else queued.push(text);
      });
      upstream.on("open", () => {
        for (const text of queued.splice(0)) upstream.send(text);
      });
      upstream.on("message", (data) => {
        const text = data.toString("utf8");
        if (text === "" && this.holdPings) upstream.send("");
        else if (client.readyState === WebSocket.OPEN) client.send(text);
      });
      client.on("close", (code) => upstream.close(sendable(code)));
      upstream.on("close", (code) => client.close(sendable(code)));
      upstream.on("error", () => client.terminate());
      client.on("error", () => upstream.terminate());
    });
  }

  /** A relay on a free loopback port to `target` ("ws://host:port"). */
  static async start(target: string): Promise<PingRelay> {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await once(server, "listening");
    return new PingRelay(server, target);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const c of this.server.clients) c.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Codes a peer may not send (1005, 1006, ...) become 1000. */
function sendable(code: number): number {
  return code === 1000 || (code >= 3000 && code < 5000) || (code >= 1001 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ? code : 1000;
}
