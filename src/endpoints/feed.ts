import type { WebSocket } from "ws";
import type { EventKind } from "../bridge/protocol.js";
import type { HandlerModule } from "../sandbox/handler-module.js";

export type Feed = (kind: EventKind, payload: unknown, code?: number) => void;

/**
 * Routes one socket's events to a handler module, with backpressure: when the
 * module falls behind, the socket's reads pause until its queue drains.
 */
export function feed(socket: WebSocket, module: HandlerModule, peerKind: string, peerId: string, where: string): Feed {
  const resume = () => socket.resume();
  return (kind, payload, code = 0) => {
    const behind = module.enqueue(kind, peerKind, peerId, where, payload, code);
    // Only an open socket can pause (ws throws for one that is failing).
    if (behind && socket.readyState === socket.OPEN && !socket.isPaused) {
      socket.pause();
      module.holdBack(resume);
    }
  };
}
