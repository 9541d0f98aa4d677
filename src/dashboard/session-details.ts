import { truncateText } from "../log/truncate.js";
import type { Session } from "../peers/sessions.js";
import { NAME_KEPT } from "./recent-errors.js";

/** One open session, as the dashboard's details panel shows it. */
export interface SessionDetail {
  readonly id: string;
  /** Epoch milliseconds of its handshake, and how long ago that was. */
  readonly openedAt: number;
  readonly ageMs: number;
  /** The handshake's Origin header ("" when it sent none). */
  readonly origin: string;
  readonly remoteAddress: string;
  /** Payload bytes received from the client and sent to it. */
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Bytes of `connection.data` as JSON text (UTF-8). */
  readonly dataBytes: number;
}

/** The details of one endpoint's sessions: the first `shown` of `total`. */
export interface EndpointDetails {
  readonly endpoint: string;
  readonly total: number;
  readonly sessions: readonly SessionDetail[];
}

/** Sessions detailed at most per endpoint; the page says how many there are in all. */
export const SESSION_DETAILS_SHOWN = 50;

/**
 * Details of the first `max` of `sessions`, without walking the rest: cost is
 * bounded by `max`, whatever the endpoint holds.
 */
export function sessionDetails(sessions: Iterable<Session>, max = SESSION_DETAILS_SHOWN, now = Date.now()): SessionDetail[] {
  const details: SessionDetail[] = [];
  for (const s of sessions) {
    if (details.length >= max) break;
    details.push({
      id: s.id,
      openedAt: s.openedAt,
      ageMs: Math.max(0, now - s.openedAt),
      origin: truncateText(s.origin, NAME_KEPT),
      remoteAddress: truncateText(s.remoteAddress, NAME_KEPT),
      bytesIn: s.bytesIn,
      bytesOut: s.bytesOut,
      dataBytes: Buffer.byteLength(s.data),
    });
  }
  return details;
}
