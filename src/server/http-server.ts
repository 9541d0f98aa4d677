import { createServer, type RequestListener, type Server } from "node:http";
import { WebSocketServer } from "ws";
import type { Logger } from "../log/logger.js";
import { selectSubprotocol } from "./subprotocols.js";

/**
 * The HTTP server aerostat makes when none is given: slow or stalled
 * handshakes are dropped (Node checks on an interval), and an error on it
 * (accept failing, say) is logged, never fatal.
 */
export function createOwnedServer(handshakeTimeoutMs: number, app: RequestListener, log: Logger): Server {
  const server = createServer(
    {
      headersTimeout: handshakeTimeoutMs,
      requestTimeout: Math.max(handshakeTimeoutMs, 30_000),
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(handshakeTimeoutMs / 4))),
    },
    app,
  );
  server.on("error", (error) => log.error({ err: error }, "HTTP server error"));
  return server;
}

/**
 * One WebSocket server (noServer) per distinct maxPayload among the endpoints;
 * errors are logged. The subprotocol echoed is the one chosen for the request
 * (subprotocols.ts), else the first offered.
 */
export class SocketServers {
  private readonly byPayload = new Map<number, WebSocketServer>();

  constructor(private readonly log: Logger) {}

  for(maxPayload: number): WebSocketServer {
    let wss = this.byPayload.get(maxPayload);
    if (!wss) {
      wss = new WebSocketServer({ noServer: true, maxPayload, clientTracking: false, handleProtocols: selectSubprotocol });
      wss.on("error", (error) => this.log.error({ err: error }, "WebSocket server error"));
      this.byPayload.set(maxPayload, wss);
    }
    return wss;
  }

  close(): void {
    for (const wss of this.byPayload.values()) wss.close();
  }
}
