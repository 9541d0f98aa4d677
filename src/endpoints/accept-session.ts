import type { WebSocket } from "ws";
import { EventKind, PeerKind } from "../bridge/protocol.js";
import type { HandlerModule } from "../sandbox/handler-module.js";
import { toPayload } from "./clients.js";
import type { Session, SessionRegistry } from "./sessions.js";

/** Registers an accepted connection and routes its events to the handler module. */
export function acceptSession(
  socket: WebSocket,
  endpoint: string,
  module: HandlerModule,
  sessions: SessionRegistry,
): Session {
  const session = sessions.add(endpoint, module.project, module.key, socket);
  const resume = () => socket.resume();
  const event = (kind: EventKind, payload: unknown, code = 0) => {
    // Backpressure: a handler that falls behind stops the socket reads that feed it.
    if (module.enqueue(kind, PeerKind.session, session.id, endpoint, payload, code) && socket.readyState === socket.OPEN && !socket.isPaused) {
      socket.pause();
      module.holdBack(resume);
    }
  };
  event(EventKind.open, "");
  socket.on("message", (data, isBinary) => event(EventKind.message, toPayload(data, isBinary)));
  socket.on("error", (error) => event(EventKind.error, `Error: ${error.message}`));
  socket.on("close", (code, reason) => {
    sessions.remove(session.id);
    event(EventKind.close, reason.toString("utf8"), code);
  });
  return session;
}
