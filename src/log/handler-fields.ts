import { PeerKind } from "../protocol/events.js";

/** The connection whose event was running when a handler logged, threw or was stopped. */
export interface EventPeer {
  /** A PeerKind: "session" or "client" ("" for none). */
  readonly kind: string;
  readonly id: string;
  /** Endpoint for sessions, URI for outgoing clients. */
  readonly where: string;
}

/**
 * Fields that tag every log line about a handler: its project folder ("." for
 * the root), its file, and the session (with endpoint) or outgoing client
 * (with URI) of the event, when there was one.
 */
export function handlerFields(project: string, handler: string, peer?: EventPeer): Record<string, string> {
  const fields: Record<string, string> = { project: project || ".", handler };
  if (!peer?.id) return fields;
  return peer.kind === PeerKind.client
    ? { ...fields, client: peer.id, uri: peer.where }
    : { ...fields, endpoint: peer.where, session: peer.id };
}
