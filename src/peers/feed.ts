import type { WebSocket } from "ws";
import { EventKind } from "../protocol/events.js";
import type { HandlerModule } from "../sandbox/handler-module.js";
import type { TrafficMeter } from "./traffic.js";

export type Feed = (kind: EventKind, payload: unknown, code?: number) => void;

/**
 * Routes one socket's message, error and close events to a handler module,
 * with backpressure: when the module falls behind, the socket's reads pause
 * until its queue drains. `onClosed` runs before the close event is queued;
 * when it returns true the close is handled (a client that reconnects) and no
 * close event is queued.
 * Returns the feed, for events the caller raises itself (open).
 */
export function feedSocket(
  socket: WebSocket,
  module: HandlerModule,
  peerKind: string,
  peerId: string,
  where: string,
  onClosed: (code: number, reason: string) => boolean | void,
  traffic: TrafficMeter,
): Feed {
  const resume = () => socket.resume();
  const event: Feed = (kind, payload, code = 0) => {
    const behind = module.enqueue(kind, peerKind, peerId, where, payload, code);
    // Only an open socket can pause (ws throws for one that is failing).
    if (behind && socket.readyState === socket.OPEN && !socket.isPaused) {
      socket.pause();
      module.holdBack({ peerKind, peerId }, resume);
    }
  };
  socket.on("message", (data, isBinary) => {
    traffic.countIn();
    event(EventKind.message, toPayload(data, isBinary));
  });
  socket.on("error", (error) => event(EventKind.error, `Error: ${error.message}`));
  socket.on("close", (code, reason) => {
    const text = reason.toString("utf8");
    if (onClosed(code, text) === true) return;
    event(EventKind.close, text, code);
  });
  return event;
}

/** Text frames become strings; binary frames become ArrayBuffers (copied into the guest). */
export function toPayload(data: unknown, isBinary: boolean): string | ArrayBuffer {
  const buf = Buffer.isBuffer(data)
    ? data
    : Array.isArray(data)
      ? Buffer.concat(data as Buffer[])
      : Buffer.from(data as ArrayBuffer);
  if (!isBinary) return buf.toString("utf8");
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}
