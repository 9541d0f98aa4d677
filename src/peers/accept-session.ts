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
): Session {
  const session = sessions.add(endpoint, module.project, module.key, socket);
  const event = feedSocket(socket, module, PeerKind.session, session.id, endpoint, () => sessions.remove(session.id), traffic);
  event(EventKind.open, "");
  return session;
}
