import type { WebSocket } from "ws";
import { EventKind, PeerKind } from "../bridge/protocol.js";
import type { HandlerModule } from "../sandbox/handler-module.js";
import { toPayload } from "./clients.js";
import { feed } from "./feed.js";
import type { Session, SessionRegistry } from "./sessions.js";

/** Registers an accepted connection and routes its events to the handler module. */
export function acceptSession(
  socket: WebSocket,
  endpoint: string,
  module: HandlerModule,
  sessions: SessionRegistry,
): Session {
  const session = sessions.add(endpoint, module.project, module.key, socket);
  const event = feed(socket, module, PeerKind.session, session.id, endpoint);
  event(EventKind.open, "");
  socket.on("message", (data, isBinary) => event(EventKind.message, toPayload(data, isBinary)));
  socket.on("error", (error) => event(EventKind.error, `Error: ${error.message}`));
  socket.on("close", (code, reason) => {
    sessions.remove(session.id);
    event(EventKind.close, reason.toString("utf8"), code);
  });
  return session;
}
