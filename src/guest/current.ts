/** A guest-side event, read from a batch. */
export interface GuestEvent {
  readonly kind: string;
  /** "session", "client" or "" */
  readonly peerKind: string;
  readonly peerId: string;
  /** Endpoint (sessions) or URI (clients). */
  readonly where: string;
  /** Text, or an ArrayBuffer copied in by the host. */
  readonly payload: string | ArrayBuffer;
  readonly code: number;
}

/**
 * The event whose hook is running, for getMessage(), getMethod() and log
 * tags. Outside an event (timers, code after an await) it is empty.
 */
export const current = {
  method: null as string | null,
  /** null outside the event it belongs to, as in Dirigible. */
  message: null as unknown,
  error: null as unknown,
  peer: undefined as unknown,
  /** The peer of the running event, for log tags: kind, id and endpoint or URI. */
  peerKind: "",
  peerId: "",
  where: "",
};

export function enterPeer(ev: GuestEvent): void {
  current.peerKind = ev.peerKind;
  current.peerId = ev.peerId;
  current.where = ev.where;
}

export function leavePeer(): void {
  current.peerKind = "";
  current.peerId = "";
  current.where = "";
}
