import type { LookupFunction } from "node:net";
import { WebSocket } from "ws";
import { stripHandlerExtension } from "../protocol/handler-files.js";
import { CloseCodes } from "../protocol/close-codes.js";
import { EventKind, PeerKind } from "../protocol/events.js";
import type { HandlerModule } from "../sandbox/handler-module.js";
import { feedSocket } from "./feed.js";
import { PeerIds, type Frame, type Peer } from "./peer.js";
import type { TrafficMeter } from "./traffic.js";

export interface ClientInfo {
  readonly id: string;
  readonly uri: string;
  readonly handler: string;
  readonly engine: string;
  readonly readyState: number;
  /** `client.data` as JSON text. */
  readonly data: string;
  /** Whether it reconnects after a drop (createWebsocket's `{ reconnect: true }`). */
  readonly reconnect: boolean;
  /** The reconnect attempt under way or waited for; 0 while connected (or never dropped). */
  readonly attempt: number;
}

/** Outgoing clients wait this long before their first reconnect attempt, doubling up to RECONNECT_MAX_MS. */
export const RECONNECT_MIN_MS = 250;
export const RECONNECT_MAX_MS = 10_000;

/** The wait before reconnect attempt `attempt` (from 1): capped exponential backoff, half of it random. */
export function reconnectDelay(attempt: number, random = Math.random): number {
  const base = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + (base / 2) * random());
}

/** The event a reconnecting client raises when it dropped and will connect again; code = attempt. */
export const RECONNECT_EVENT = "reconnect";

/** Frames queued per client before it opens, at most (their bytes are bounded by maxBufferedBytes). */
const MAX_PENDING = 1000;

/**
 * An outgoing WebSocket a script opened with createWebsocket(). Its events run
 * the handler module named at creation. Sends before it opens are queued, up
 * to maxBufferedBytes; past that a frame is refused and the handler's onError
 * says so (once, until a frame goes through again). An open client whose
 * server reads too slowly is closed with 1013, as a slow session is.
 * With `reconnect`, a dropped client keeps its id, queues sends, and connects
 * again with backoff until the script closes it or its module goes away.
 */
export class OutgoingClient implements Peer {
  readonly kind = PeerKind.client;
  data = "null";
  /** Set once the connection attempt starts. */
  socket: WebSocket | undefined;
  private readonly pending: Frame[] = [];
  private pendingBytes = 0;
  private dropReported = false;
  private closeAfterOpen: { code: number; reason: string } | undefined;
  /** The reconnect attempt under way or waited for; 0 while connected. */
  attempt = 0;
  /** The script closed it: no more reconnects. */
  closedByScript = false;
  /** Pending while it waits to reconnect; `stopWaiting` ends that wait for good. */
  retryTimer: NodeJS.Timeout | undefined;
  stopWaiting: ((code: number, reason: string) => void) | undefined;

  constructor(
    readonly id: string,
    readonly uri: string,
    /** The handler path as the script wrote it. */
    readonly handler: string,
    readonly engine: string,
    readonly project: string,
    /** The module whose events this client feeds. */
    readonly module: HandlerModule,
    private readonly maxBuffered: number,
    /** Connect again after a drop (not after the script's own close()). */
    readonly reconnect = false,
  ) {}

  get where(): string {
    return this.uri;
  }

  get readyState(): number {
    if (this.retryTimer) return WebSocket.CONNECTING;
    return this.socket ? this.socket.readyState : WebSocket.CONNECTING;
  }

  /** Connected: flush what waited, then tell the handler. */
  opened(socket: WebSocket): void {
    for (const frame of this.pending.splice(0)) socket.send(typeof frame === "object" && "shared" in frame ? frame.shared : frame);
    this.pendingBytes = 0;
  }

  /** A close asked for before the socket opened, done right after the flush. */
  closeIfAsked(socket: WebSocket): void {
    if (this.closeAfterOpen) socket.close(this.closeAfterOpen.code, this.closeAfterOpen.reason);
  }

  send(frame: Frame): boolean {
    const socket = this.socket;
    const size = typeof frame === "string" ? Buffer.byteLength(frame) : Buffer.isBuffer(frame) ? frame.length : frame.shared.length;
    if (!socket || socket.readyState === WebSocket.CONNECTING || this.retryTimer) {
      if (this.pending.length >= MAX_PENDING || this.pendingBytes + size > this.maxBuffered) {
        this.refuse(`${this.pendingBytes} bytes in ${this.pending.length} frames already wait for it to connect`);
        return false;
      }
      this.pending.push(frame);
      this.pendingBytes += size;
      this.dropReported = false;
      return true;
    }
    if (socket.readyState !== WebSocket.OPEN) return false;
    if (socket.bufferedAmount > this.maxBuffered) {
      this.refuse(`${socket.bufferedAmount} bytes wait unsent; its server reads too slowly`);
      socket.close(CloseCodes.tryAgainLater, "server reads too slowly");
      return false;
    }
    this.dropReported = false;
    socket.send(typeof frame === "object" && "shared" in frame ? frame.shared : frame);
    return true;
  }

  close(code: number, reason: string): void {
    this.closedByScript = true;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.pending.length = 0;
      this.pendingBytes = 0;
      this.stopWaiting?.(code, reason);
      return;
    }
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CONNECTING) this.closeAfterOpen = { code, reason };
    else socket.close(code, reason);
  }

  private refuse(why: string): void {
    if (this.dropReported) return;
    this.dropReported = true;
    const text =
      `Error: a frame to ${this.uri} was dropped: ${why} (limit ${this.maxBuffered} bytes). ` +
      "Wait for onOpen before sending much, or send less.";
    this.module.enqueue(EventKind.error, PeerKind.client, this.id, this.uri, text, 0);
  }

  static info(c: OutgoingClient): ClientInfo {
    return {
      id: c.id, uri: c.uri, handler: c.handler, engine: c.engine, readyState: c.readyState, data: c.data,
      reconnect: c.reconnect, attempt: c.attempt,
    };
  }
}

/** Outgoing clients, by id. Scripts only ever see the clients of their own project. */
export class ClientRegistry {
  private readonly byId = new Map<string, OutgoingClient>();
  private readonly ids: PeerIds;

  constructor(
    private readonly traffic: TrafficMeter,
    /** Bytes a client may have waiting (before it opens, or unsent after) before frames are refused. */
    private readonly maxBufferedBytes: number,
    nodeName = "",
  ) {
    this.ids = new PeerIds("c", nodeName);
  }

  /**
   * Registers a client and connects it right after the current turn, so the
   * script's synchronous call returns at once. Until then it is CONNECTING.
   * `lookup` resolves names for the connection; it may refuse an address.
   */
  create(
    project: string,
    uri: string,
    handler: string,
    engine: string,
    module: HandlerModule,
    lookup?: LookupFunction,
    reconnect = false,
  ): OutgoingClient {
    const client = new OutgoingClient(this.ids.next(), uri, handler, engine, project, module, this.maxBufferedBytes, reconnect);
    this.byId.set(client.id, client);
    setImmediate(() => this.connect(client, lookup));
    return client;
  }

  private connect(client: OutgoingClient, lookup: LookupFunction | undefined): void {
    if (!this.byId.has(client.id)) return; // closed by closeAll() before it started
    const socket = new WebSocket(client.uri, { handshakeTimeout: 10_000, ...(lookup ? { lookup } : {}) });
    client.socket = socket;
    const closed = (code: number, reason: string): boolean => {
      if (this.mayRetry(client)) {
        this.retry(client, lookup, code, reason);
        return true;
      }
      this.byId.delete(client.id);
      return false;
    };
    const peer = feedSocket(socket, client.module, PeerKind.client, client.id, client.uri, closed, this.traffic);
    socket.on("open", () => {
      client.attempt = 0;
      client.opened(socket);
      // A close asked for before it opened goes first: the open event may run at once (inline dispatch).
      client.closeIfAsked(socket);
      peer(EventKind.open, "");
    });
  }

  /** A drop is followed by a reconnect when asked for, the script did not close it, and its module still serves. */
  private mayRetry(client: OutgoingClient): boolean {
    return client.reconnect && !client.closedByScript && this.byId.has(client.id) && !client.module.isUnloaded && !client.module.isDisabled;
  }

  /** Waits, then connects again: the handler's onReconnect(client, attempt) runs now, onOpen when it is back. */
  private retry(client: OutgoingClient, lookup: LookupFunction | undefined, code: number, reason: string): void {
    client.attempt += 1;
    const finish = (c: number, r: string) => {
      client.retryTimer = undefined;
      client.stopWaiting = undefined;
      this.byId.delete(client.id);
      client.module.enqueue(EventKind.close, PeerKind.client, client.id, client.uri, r, c);
    };
    client.stopWaiting = finish;
    client.retryTimer = setTimeout(() => {
      client.retryTimer = undefined;
      client.stopWaiting = undefined;
      if (this.mayRetry(client)) this.connect(client, lookup);
      else finish(code, reason);
    }, reconnectDelay(client.attempt));
    client.retryTimer.unref();
    client.module.enqueue(RECONNECT_EVENT, PeerKind.client, client.id, client.uri, "", client.attempt);
  }

  get(project: string, id: string): OutgoingClient | undefined {
    const c = this.byId.get(id);
    return c && c.project === project ? c : undefined;
  }

  /** The project's client whose handler is `handler`, with or without its extension. */
  byHandler(project: string, handler: string): OutgoingClient | undefined {
    const wanted = stripHandlerExtension(handler);
    for (const c of this.byId.values()) {
      if (c.project === project && stripHandlerExtension(c.handler) === wanted) return c;
    }
    return undefined;
  }

  list(project: string): OutgoingClient[] {
    return [...this.byId.values()].filter((c) => c.project === project);
  }

  all(): OutgoingClient[] {
    return [...this.byId.values()];
  }

  closeAll(): void {
    for (const c of this.byId.values()) {
      clearTimeout(c.retryTimer);
      c.retryTimer = undefined;
      c.socket?.terminate();
    }
    this.byId.clear();
  }
}
