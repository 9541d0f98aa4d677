import type { IncomingMessage } from "node:http";

/** What a handler learns of a handshake: `connection.request`, and onHandshake's argument. */
export interface HandshakeRequest {
  /** The path and query the client asked for, as sent. */
  readonly url: string;
  readonly path: string;
  /** Query parameters: each name's first value. */
  readonly query: Readonly<Record<string, string>>;
  /** The headers in HANDSHAKE_HEADERS the client sent, lower-case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly remoteAddress: string;
}

/**
 * Headers a handler may read: who the client is (cookie, authorization),
 * where it comes from (origin, referer, user-agent, language, forwarding
 * proxies) and the subprotocols it asked for. Others (the WebSocket key,
 * extensions, connection plumbing) say nothing a handler needs.
 */
export const HANDSHAKE_HEADERS = [
  "host",
  "origin",
  "referer",
  "user-agent",
  "accept-language",
  "cookie",
  "authorization",
  "sec-websocket-protocol",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-real-ip",
] as const;

/** Characters of one header value (or the URL) a handler gets at most. */
const MAX_VALUE_CHARS = 8 * 1024;

/** What a handler reads of `req`, whose URL the caller has parsed already. */
export function handshakeRequest(req: IncomingMessage, parsed: URL): HandshakeRequest {
  const url = (req.url ?? "/").slice(0, MAX_VALUE_CHARS);
  const query: Record<string, string> = {};
  for (const [name, value] of parsed.searchParams) {
    if (!(name in query) && name !== "__proto__") query[name] = value.slice(0, MAX_VALUE_CHARS);
  }
  const headers: Record<string, string> = {};
  for (const name of HANDSHAKE_HEADERS) {
    const value = req.headers[name];
    if (value !== undefined) headers[name] = (Array.isArray(value) ? value.join(", ") : value).slice(0, MAX_VALUE_CHARS);
  }
  return { url, path: parsed.pathname, query, headers, remoteAddress: req.socket.remoteAddress ?? "" };
}
