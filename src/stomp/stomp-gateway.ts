import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import sockjs from "sockjs";
import type { Logger } from "../log/logger.js";
import { RateLimitedLog } from "../log/rate-limited.js";
import type { Mount } from "../project/mounts.js";
import { hostAllowed } from "../server/host-check.js";
import { originFacts, originFactsAllowed, type OriginFacts } from "../server/origin.js";
import { VENDOR_SOCKJS_PATH } from "../server/routes.js";
import { MAX_FRAME_CHARS } from "./frames.js";
import { StompSession } from "./stomp-session.js";

/** Where Dirigible 7+ pages open SockJS: `new SockJS('/stomp')` (and '/js' in some versions). */
export const SOCKJS_PREFIXES = ["/stomp", "/js"] as const;
/** Bytes of one SockJS HTTP request body (xhr_send) at most. */
const MAX_POST_BYTES = 4 * MAX_FRAME_CHARS;
/** STOMP sessions open at once at most. */
const MAX_SESSIONS = 10_000;
/** How long a handshake's origin is kept for the session it starts, and how many are kept at most. */
const FACTS_TTL_MS = 60_000;
const MAX_FACTS = 10_000;
/** Characters of unfinished frames all sessions may hold together. */
const MAX_BUFFERED_CHARS = 64 * 1024 * 1024;
/**
 * SockJS transports served: the WebSocket and the XHR fallbacks, whose
 * requests carry the page's Origin. JSONP and htmlfile load through <script>
 * and <iframe>, which send no Origin: any site could use them, so they are not.
 */
const TRANSPORTS = "websocket|xhr|xhr_send|xhr_streaming|eventsource";
/** Transports whose request opens a session (xhr_send only adds to one). */
const OPENING = /\/[^/.]+\/([^/.]+)\/(?:websocket|xhr|xhr_streaming|eventsource)\/?(?:\?|$)/;

export interface StompGatewayDeps {
  readonly log: Logger;
  lookup(endpoint: string): Mount | undefined;
  readonly allowedHosts: readonly string[];
  readonly listenHost: string;
  accepting(): boolean;
  readonly answerTimeoutMs: number;
}

/**
 * Endpoints over SockJS + STOMP, for Dirigible 7+ pages: the SockJS server
 * (the `sockjs` package) at /stomp and /js, each connection a StompSession.
 * Only SockJS's own URL shapes are taken, so `/js/app.js` stays a static
 * file. Handshakes pass the same Host check as service handshakes; the page's
 * origin is checked per endpoint when it sends.
 */
export class StompGateway {
  private readonly handlers: { prefix: string; handle: (req: IncomingMessage, res: unknown, head?: Buffer) => boolean }[];
  private readonly facts = new Map<string, OriginFacts>();
  private readonly sessions = new Set<StompSession>();
  private seq = 0;
  private readonly buffered = { used: 0, max: MAX_BUFFERED_CHARS };
  private readonly warnings: RateLimitedLog;

  constructor(private readonly deps: StompGatewayDeps) {
    this.warnings = new RateLimitedLog(deps.log, "STOMP warnings");
    const server = sockjs.createServer({
      sockjs_url: VENDOR_SOCKJS_PATH,
      log: (severity, line) => {
        if (severity === "error") deps.log.error({ sockjs: true }, `SockJS: ${line}`);
      },
      faye_server_options: { maxLength: MAX_FRAME_CHARS * 4 },
    } as sockjs.ServerOptions);
    server.on("connection", (conn) => this.accept(conn));
    this.handlers = SOCKJS_PREFIXES.map((prefix) => ({
      prefix,
      // The package's own per-prefix handler (what its installHandlers uses), called from our routes.
      handle: (server as unknown as SockJsListeners).listener({ prefix }).getHandler(),
    }));
  }

  /** An HTTP request: true when it was a SockJS one and was taken. */
  request(req: IncomingMessage, res: ServerResponse): boolean {
    const handler = this.route(req);
    if (!handler) return false;
    if (!this.admit(req, (status, text) => res.writeHead(status, { "Content-Type": "text/plain" }).end(`${text}\n`))) return true;
    const length = Number(req.headers["content-length"] ?? 0);
    if (req.method === "POST" && (length > MAX_POST_BYTES || (req.headers["transfer-encoding"] && !req.headers["content-length"]))) {
      res.writeHead(413, { "Content-Type": "text/plain" }).end(`A SockJS request body may have ${MAX_POST_BYTES} bytes at most, with a Content-Length.\n`);
      return true;
    }
    return handler.handle(req, res);
  }

  /** An upgrade: true when it was a SockJS one and was taken. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const handler = this.route(req);
    if (!handler) return false;
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} Refused\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${text}\n`);
    };
    if (!this.admit(req, refuse)) return true;
    return handler.handle(req, socket, head);
  }

  closeAll(): void {
    for (const s of this.sessions) s.close();
    this.sessions.clear();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** The handler whose prefix the path has, when the path is one of SockJS's own. */
  private route(req: IncomingMessage) {
    const pathname = (req.url ?? "").split("?")[0]!;
    return this.handlers.find((h) => pathname.startsWith(h.prefix) && isSockJsPath(pathname.slice(h.prefix.length)));
  }

  private admit(req: IncomingMessage, refuse: (status: number, text: string) => void): boolean {
    if (!this.deps.accepting()) {
      refuse(503, "The server is shutting down.");
      return false;
    }
    if (!hostAllowed(req.headers.host, this.deps.allowedHosts, this.deps.listenHost)) {
      this.deps.log.warn({ host: req.headers.host, path: req.url }, "SockJS request refused: its Host header does not name this server");
      refuse(403, "The Host header does not name this server (DNS rebinding guard); start the server with --allowed-hosts to serve it.");
      return false;
    }
    const key = factsKey(req.url ?? "", req.socket.remoteAddress, req.socket.remotePort);
    if (key && !this.facts.has(key)) {
      if (this.facts.size >= MAX_FACTS) {
        refuse(503, "Too many SockJS sessions are starting; try again later.");
        return false;
      }
      this.facts.set(key, originFacts(req));
      setTimeout(() => this.facts.delete(key), FACTS_TTL_MS).unref();
    }
    return true;
  }

  private accept(conn: sockjs.Connection): void {
    const key = factsKey(conn.url, conn.remoteAddress, conn.remotePort);
    const facts = (key && this.facts.get(key)) || undefined;
    if (key) this.facts.delete(key);
    if (this.sessions.size >= MAX_SESSIONS || !facts) {
      this.deps.log.warn({ sessions: this.sessions.size }, facts ? `STOMP session refused: ${MAX_SESSIONS} are open` : "STOMP session refused: its handshake was not seen");
      conn.close("1013", "try again later");
      return;
    }
    const session = new StompSession(
      `stomp${++this.seq}`,
      { write: (text) => void conn.write(text), close: () => conn.close() },
      {
        warn: (kind, fields, message) => this.warnings.warn(kind, fields, message),
        buffered: this.buffered,
        lookup: (endpoint) => this.deps.lookup(endpoint),
        originAllowed: (allowed) => originFactsAllowed(facts, allowed),
        answerTimeoutMs: this.deps.answerTimeoutMs,
      },
    );
    this.sessions.add(session);
    conn.on("data", (text: string) => session.receive(text));
    conn.on("close", () => {
      session.closedByPeer();
      this.sessions.delete(session);
    });
  }
}

/** The part of the sockjs package's Server its types leave out. */
interface SockJsListeners {
  listener(options: { prefix: string }): { getHandler(): (req: IncomingMessage, res: unknown, head?: Buffer) => boolean };
}

/** SockJS's URL shapes below its prefix (see the sockjs package's dispatcher). */
function isSockJsPath(rest: string): boolean {
  return (
    /^\/?$/.test(rest) ||
    /^\/(info|websocket|chunking_test)\/?$/.test(rest) ||
    /^\/iframe[0-9\-.a-z_]*\.html$/.test(rest) ||
    new RegExp(`^/[^/.]+/[^/.]+/(${TRANSPORTS})/?$`).test(rest)
  );
}

/** What ties a session to the request that opened it: the SockJS session id in the URL, or the socket for a raw WebSocket. */
function factsKey(url: string, address: string | undefined, port: number | undefined): string | undefined {
  const m = OPENING.exec(url);
  if (m) return `session:${m[1]}`;
  if (/\/websocket\/?(?:\?|$)/.test(url) && address !== undefined && port !== undefined) return `socket:${address}:${port}`;
  return undefined;
}
