import type { WebSocket } from "ws";
import { EventKind, PeerKind } from "../protocol/events.js";
import type { HandlerModule } from "../sandbox/handler-module.js";
import { feedSocket } from "./feed.js";
import type { Session, SessionRegistry } from "./sessions.js";
import type { TrafficMeter } from "./traffic.js";

/** Registers an accepted connection and routes its events to the handler module. */
export function acceptSession(
  socket: WebSocket,
  endpoint: string,
  module: HandlerModule,
  sessions: SessionRegistry,
  traffic: TrafficMeter,
  /** What the handler may read of the handshake, and the data onHandshake gave it, as JSON text. */
  start: { request: string; data?: string },
): Session {
  const session = sessions.add(endpoint, module.project, module.key, socket);
  session.request = start.request;
  if (start.data !== undefined) session.data = start.data;
  const event = feedSocket(socket, module, PeerKind.session, session.id, endpoint, () => {
    sessions.remove(session.id);
  }, traffic);
  event(EventKind.open, "");
  return session;
}
