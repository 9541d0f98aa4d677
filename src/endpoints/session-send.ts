import type { Session } from "./sessions.js";

/** Close code for a client that does not read what it is sent fast enough. */
export const SLOW_READER_CLOSE_CODE = 1013;
/** After asking a slow reader to close, wait this long before dropping it. */
const TERMINATE_AFTER_MS = 2000;

/**
 * Sends a frame to a session. A session whose unsent bytes pass `maxBuffered`
 * is closed with 1013 ("try again later") and dropped if it does not close.
 */
export function sendToSession(session: Session, frame: string | Buffer, maxBuffered: number): void {
  const socket = session.socket;
  if (socket.readyState !== socket.OPEN) return;
  socket.send(frame);
  if (socket.bufferedAmount > maxBuffered) {
    socket.close(SLOW_READER_CLOSE_CODE, "client reads too slowly");
    setTimeout(() => socket.terminate(), TERMINATE_AFTER_MS).unref();
  }
}
