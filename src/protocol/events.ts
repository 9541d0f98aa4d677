/**
 * Events the host queues for a handler module, and the peers they come from.
 *
 * The host queues events flat, EVENT_STRIDE slots each:
 * [kind, peerKind, peerId, where, payload, code]
 *   - kind: an event kind name (below, or one a capability declares).
 *   - peerKind: "session" (a browser connected to an endpoint), "client" (an
 *     outgoing WebSocket made with createWebsocket), "http" (a request to a
 *     script service), or "" for none.
 *   - where: the endpoint for sessions, the URI for clients, the path for requests.
 *   - payload: message text or ArrayBuffer, error text, close reason, JSON.
 *   - code: close code, timer id, promise or request id; else 0.
 */
export const EVENT_STRIDE = 6;

/** The kinds the core knows; capabilities declare the rest in their event tables. */
export const EventKind = {
  /** A peer connected. */
  open: "open",
  /** A peer sent a frame. */
  message: "message",
  /** A peer's socket failed, or the host reports an error to the handler. */
  error: "error",
  /** A peer closed; code and reason. */
  close: "close",
  /** A timer fired; code = timer id. */
  timer: "timer",
  /** A host promise settled; peerId = promise id, code 1 resolved / 0 rejected, payload = JSON value or error. */
  settle: "settle",
  /** The host asks a hook for an answer; payload = JSON [hook, args], code = request id. */
  request: "request",
  /** The module's code was loaded again (file changed, or sandbox restarted): its onReload runs, to rebuild what it keeps. */
  reload: "reload",
} as const;
export type EventKind = string;

export const PeerKind = { session: "session", client: "client", http: "http", none: "" } as const;
export type PeerKind = (typeof PeerKind)[keyof typeof PeerKind];
