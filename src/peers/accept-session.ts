import type { WebSocket } from "ws";
import { EventKind, PeerKind } from "../protocol/events.js";
import type { HandlerModule } from "../sandbox/handler-module.js";
import { feedSocket } from "./feed.js";
import type { Session, SessionRegistry } from "./sessions.js";
import type { TrafficMeter } from "./traffic.js";

/** What the handshake gave an accepted session. */
export interface SessionStart {
  /** `connection.request`, JSON text. */
  readonly request: string;
  /** `connection.data` onHandshake set, JSON text. */
  readonly data?: string;
  /** The handshake's Origin header, for the dashboard. */
  readonly origin?: string;
  readonly remoteAddress?: string;
}

/** Bytes of a received frame, however ws hands it over. */
export function payloadBytes(data: unknown): number {
  if (Buffer.isBuffer(data)) return data.length;
  if (Array.isArray(data)) return data.reduce((n: number, b: Buffer) => n + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : 0;
}

/**
 * Adds an accepted connection to the session registry with what its handshake
 * gave it, counting what it receives; whatever protocol it speaks, it is a
 * session of the endpoint from here on.
 */
export function registerSession(socket: WebSocket, endpoint: string, module: HandlerModule, sessions: SessionRegistry, start: SessionStart): Session {
  const session = sessions.add(endpoint, module.project, module.key, socket);
  session.request = start.request;
  session.origin = start.origin ?? "";
  session.remoteAddress = start.remoteAddress ?? "";
  if (start.data !== undefined) session.data = start.data;
  socket.on("message", (data) => session.received(payloadBytes(data)));
  return session;
}

/** Registers an accepted connection and routes its events to the handler module. */
export function acceptSession(
  socket: WebSocket,
  endpoint: string,
  module: HandlerModule,
  sessions: SessionRegistry,
  traffic: TrafficMeter,
  /** What the handler may read of the handshake, and the data onHandshake gave it, as JSON text. */
  start: SessionStart,
): Session {
  const session = registerSession(socket, endpoint, module, sessions, start);
  const event = feedSocket(socket, module, PeerKind.session, session.id, endpoint, () => {
    sessions.remove(session.id);
  }, traffic);
  event(EventKind.open, "");
  return session;
}
