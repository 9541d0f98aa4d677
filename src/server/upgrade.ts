import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocket, WebSocketServer } from "ws";
import type { Mount } from "../endpoints/mounts.js";
import { rejectHandshake } from "./reject-handshake.js";
import { endpointFromPath } from "./routes.js";

export interface UpgradeRouting {
  readonly wss: WebSocketServer;
  lookup(endpoint: string): Mount | undefined;
  mountedNames(): string[];
  accept(socket: WebSocket, mount: Mount): void;
  /** False when the server is shared: other paths are left to other listeners. */
  readonly ownsServer: boolean;
  readonly accepting: () => boolean;
}

/** Routes handshakes by pathname to mounted endpoints; refuses the rest with a reason. */
export function createUpgradeHandler(routing: UpgradeRouting) {
  const handle = (req: IncomingMessage, socket: Duplex, head: Buffer, retried = false): void => {
    if (!retried) socket.on("error", () => socket.destroy());
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    const endpoint = endpointFromPath(pathname);
    if (endpoint === undefined) {
      if (routing.ownsServer) rejectHandshake(socket, 404, `No WebSocket service at ${pathname}. Service URLs look like /websockets/v4/service/<endpoint>.`);
      return;
    }
    if (!routing.accepting()) {
      rejectHandshake(socket, 503, "The server is shutting down.");
      return;
    }
    const mount = routing.lookup(endpoint);
    if (!mount) {
      const names = routing.mountedNames();
      rejectHandshake(
        socket,
        404,
        `No endpoint "${endpoint}" is mounted. Add a .websocket descriptor with "endpoint": "${endpoint}"` +
          (names.length ? `, or use one of: ${names.join(", ")}.` : "."),
      );
      return;
    }
    const module = mount.module;
    if (module && !module.ready && !module.lastError && !retried) {
      // Mounted a moment ago; its first load is still running.
      void module.settled().then(() => handle(req, socket, head, true));
      return;
    }
    if (!module || !module.ready) {
      const why = mount.problem ?? module?.lastError;
      rejectHandshake(
        socket,
        503,
        `Endpoint "${endpoint}" cannot serve: ${why ? why.toString() : "its handler is still loading; try again"}`,
      );
      return;
    }
    routing.wss.handleUpgrade(req, socket, head, (ws) => routing.accept(ws, mount));
  };
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => handle(req, socket, head);
}
