import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocket, WebSocketServer } from "ws";
import type { Mount } from "../endpoints/mounts.js";
import { rejectHandshake } from "./reject-handshake.js";
import { originAllowed } from "./origin.js";
import { endpointFromPath } from "./routes.js";

export interface UpgradeRouting {
  /** The WebSocket server that enforces a given maxPayload. */
  serverFor(maxPayload: number): WebSocketServer;
  /** Open sessions of an endpoint. */
  sessionCount(endpoint: string): number;
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
    const limits = mount.descriptor.limits;
    if (!originAllowed(req, limits.allowedOrigins)) {
      rejectHandshake(
        socket,
        403,
        `Origin ${req.headers.origin} may not connect to "${endpoint}". List it in the descriptor's "allowedOrigins".`,
      );
      return;
    }
    if (routing.sessionCount(endpoint) >= limits.maxSessions) {
      rejectHandshake(socket, 503, `Endpoint "${endpoint}" has its maximum of ${limits.maxSessions} sessions; try again later.`);
      return;
    }
    const module = mount.module;
    if (module && !module.ready && !module.lastError && !retried) {
      // Mounted a moment ago; its first load is still running.
      module
        .settled()
        .then(() => handle(req, socket, head, true))
        .catch(() => socket.destroy());
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
    routing.serverFor(limits.maxPayload).handleUpgrade(req, socket, head, (ws) => routing.accept(ws, mount));
  };
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => handle(req, socket, head);
}
