import type { Session } from "./sessions.js";

/** Close code for a client that does not read what it is sent fast enough. */
export const SLOW_READER_CLOSE_CODE = 1013;
/** After asking a slow reader to close, wait this long before dropping it. */
const TERMINATE_AFTER_MS = 2000;

/** A text frame encoded once: one Buffer that every recipient's socket sends without copying it. */
export interface SharedTextFrame {
  readonly shared: Buffer;
}

export function sharedTextFrame(text: string): SharedTextFrame {
  return { shared: Buffer.from(text, "utf8") };
}

/**
 * Sends a frame to a session; returns whether it went out. A session that
 * already has more than `maxBuffered` bytes unsent gets nothing (the frame is
 * neither copied nor queued) and is closed with 1013 ("try again later"); one
 * that passes the limit with this frame is closed after it. Either is dropped
 * if it does not close.
 */
export function sendToSession(session: Session, frame: string | Buffer | SharedTextFrame, maxBuffered: number): boolean {
  const socket = session.socket;
  if (socket.readyState !== socket.OPEN) return false;
  if (socket.bufferedAmount > maxBuffered) {
    closeSlowReader(session);
    return false;
  }
  if (typeof frame === "string" || Buffer.isBuffer(frame)) socket.send(frame);
  else socket.send(frame.shared, { binary: false });
  if (socket.bufferedAmount > maxBuffered) closeSlowReader(session);
  return true;
}

function closeSlowReader(session: Session): void {
  const socket = session.socket;
  if (socket.readyState !== socket.OPEN) return;
  socket.close(SLOW_READER_CLOSE_CODE, "client reads too slowly");
  setTimeout(() => socket.terminate(), TERMINATE_AFTER_MS).unref();
}
