import { PeerKind } from "../protocol/events.js";

/** The connection whose event was running when a handler logged, threw or was stopped. */
export interface EventPeer {
  /** A PeerKind: "session", "client" or "http" ("" for none). */
  readonly kind: string;
  readonly id: string;
  /** Endpoint for sessions, URI for outgoing clients, path for requests. */
  readonly where: string;
}

/**
 * Fields that tag every log line about a handler: its project folder ("." for
 * the root), its file, and the session (with endpoint), outgoing client
 * (with URI) or HTTP request (with path) of the event, when there was one.
 */
export function handlerFields(project: string, handler: string, peer?: EventPeer): Record<string, string> {
  const fields: Record<string, string> = { project: project || ".", handler };
  // A fault with no peer but a place (a listener's hook: "listener jobs") says where.
  if (!peer?.id) return peer?.where ? { ...fields, where: peer.where } : fields;
  if (peer.kind === PeerKind.client) return { ...fields, client: peer.id, uri: peer.where };
  if (peer.kind === PeerKind.http) return { ...fields, request: peer.id, path: peer.where };
  return { ...fields, endpoint: peer.where, session: peer.id };
}
