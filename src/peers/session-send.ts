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
 * Sends a frame to a session; returns whether it went out. A frame that would
 * leave more than `maxBuffered` bytes unsent (what is already waiting plus
 * itself) is not sent, copied or queued: the session is closed with 1013
 * ("try again later") instead, and dropped if it does not close. So a session
 * that does not read, or a frame larger than `maxBuffered`, costs nothing.
 */
export function sendToSession(session: Session, frame: string | Buffer | SharedTextFrame, maxBuffered: number): boolean {
  const socket = session.socket;
  if (socket.readyState !== socket.OPEN) return false;
  const size = typeof frame === "string" ? Buffer.byteLength(frame) : Buffer.isBuffer(frame) ? frame.length : frame.shared.length;
  const waiting = socket.bufferedAmount;
  if (waiting + size > maxBuffered) {
    closeSlowReader(session, waiting > 0 ? "client reads too slowly" : "message larger than the send buffer");
    return false;
  }
  if (typeof frame === "string" || Buffer.isBuffer(frame)) socket.send(frame);
  else socket.send(frame.shared, { binary: false });
  return true;
}

function closeSlowReader(session: Session, reason: string): void {
  const socket = session.socket;
  if (socket.readyState !== socket.OPEN) return;
  socket.close(SLOW_READER_CLOSE_CODE, reason);
  setTimeout(() => socket.terminate(), TERMINATE_AFTER_MS).unref();
}
