import type { IncomingMessage } from "node:http";

/**
 * The WebSocket subprotocol chosen for a handshake, per request. An endpoint
 * whose protocol needs one (evQueue's "api" or "events") picks it from what
 * the client offers before the upgrade; the WebSocket server's
 * handleProtocols answers with that pick. Requests nobody picked for keep
 * ws's own rule: the first protocol offered.
 */
const chosen = new WeakMap<IncomingMessage, string>();

/** The subprotocols a request offers (Sec-WebSocket-Protocol), in order. */
export function offeredSubprotocols(req: IncomingMessage): string[] {
  const header = req.headers["sec-websocket-protocol"];
  if (header === undefined) return [];
  return header
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
}

/** The first of `accepted` the request offers, if any. */
export function pickSubprotocol(req: IncomingMessage, accepted: readonly string[]): string | undefined {
  return offeredSubprotocols(req).find((p) => accepted.includes(p));
}

/** Makes `protocol` the one the handshake of `req` selects and echoes. */
export function chooseSubprotocol(req: IncomingMessage, protocol: string): void {
  chosen.set(req, protocol);
}

/** ws's handleProtocols: the protocol chosen for this request, or else the first offered. */
export function selectSubprotocol(protocols: Set<string>, req: IncomingMessage): string | false {
  const pick = chosen.get(req);
  if (pick !== undefined && protocols.has(pick)) return pick;
  const first = protocols.values().next();
  return first.done ? false : first.value;
}
