import type { LookupFunction } from "node:net";
import { WebSocket } from "ws";
import { EventKind, PeerKind } from "../protocol/boundary.js";
import type { HandlerModule } from "../sandbox/handler-module.js";
import { feedSocket } from "./feed.js";
import { SLOW_READER_CLOSE_CODE } from "./session-send.js";
import type { TrafficMeter } from "./traffic.js";

/** An outgoing WebSocket a script opened with createWebsocket(). */
export interface OutgoingClient {
  readonly id: string;
  readonly uri: string;
  /** The handler path as the script wrote it. */
  readonly handler: string;
  readonly engine: string;
  readonly project: string;
}

export interface ClientInfo {
  readonly id: string;
  readonly uri: string;
  readonly handler: string;
  readonly engine: string;
  readonly readyState: number;
}

interface ClientState extends OutgoingClient {
  /** Set once the connection attempt starts. */
  socket: WebSocket | undefined;
  /** Frames sent before the socket opened, flushed on open. */
  readonly pending: (string | Buffer)[];
  pendingBytes: number;
  /** The module whose events this client feeds. */
  readonly module: HandlerModule;
  /** A dropped frame has been reported and nothing has been sent since. */
  dropReported?: boolean;
  /** close() asked for before the socket opened; done right after the flush. */
  closeAfterOpen?: { code: number; reason: string };
}

/** Frames queued per client before it opens, at most (their bytes are bounded by maxBufferedBytes). */
const MAX_PENDING = 1000;

/**
 * Outgoing clients. Each one's open/message/error/close events are queued on the
 * handler module named at creation; sends before open are queued and flushed.
 */
export class ClientRegistry {
  private readonly byId = new Map<string, ClientState>();
  private seq = 0;

  constructor(
    private readonly traffic: TrafficMeter,
    /** Bytes a client may have waiting (before it opens, or unsent after) before frames are refused. */
    private readonly maxBufferedBytes: number,
  ) {}

  /**
   * Registers a client and connects it right after the current turn, so the
   * script's synchronous call returns at once. Until then it is CONNECTING.
   */
  create(
    project: string,
    uri: string,
    handler: string,
    engine: string,
    module: HandlerModule,
    lookup?: LookupFunction,
  ): OutgoingClient {
    const client: ClientState = {
      id: `c${++this.seq}`,
      uri,
      handler,
      engine,
      project,
      socket: undefined,
      pending: [],
      pendingBytes: 0,
      module,
    };
    this.byId.set(client.id, client);
    setImmediate(() => this.connect(client, module, lookup));
    return client;
  }

  /** `lookup` resolves names for the connection; it may refuse an address (see OutboundGate). */
  private connect(client: ClientState, module: HandlerModule, lookup: LookupFunction | undefined): void {
    if (!this.byId.has(client.id)) return; // closed by closeAll() before it started
    const socket = new WebSocket(client.uri, { handshakeTimeout: 10_000, ...(lookup ? { lookup } : {}) });
    client.socket = socket;
    const peer = feedSocket(socket, module, PeerKind.client, client.id, client.uri, () => this.byId.delete(client.id), this.traffic);
    socket.on("open", () => {
      for (const frame of client.pending.splice(0)) socket.send(frame);
      client.pendingBytes = 0;
      peer(EventKind.open, "");
      if (client.closeAfterOpen) socket.close(client.closeAfterOpen.code, client.closeAfterOpen.reason);
    });
  }

  private state(client: OutgoingClient): ClientState | undefined {
    return this.byId.get(client.id);
  }

  get(project: string, id: string): OutgoingClient | undefined {
    const c = this.byId.get(id);
    return c && c.project === project ? c : undefined;
  }

  byHandler(project: string, handler: string): OutgoingClient | undefined {
    const wanted = stripExtension(handler);
    for (const c of this.byId.values()) {
      if (c.project === project && stripExtension(c.handler) === wanted) return c;
    }
    return undefined;
  }

  list(project: string): OutgoingClient[] {
    return [...this.byId.values()].filter((c) => c.project === project);
  }

  all(): OutgoingClient[] {
    return [...this.byId.values()];
  }

  /**
   * Sends a frame, or queues it until the client opens. What waits is bounded by
   * maxBufferedBytes: past it the frame is refused and the handler's onError
   * says so (once, until a frame goes through again); an open client whose
   * server reads too slowly is closed with 1013, as a slow session is.
   */
  send(client: OutgoingClient, frame: string | Buffer): void {
    const state = this.state(client);
    if (!state) return;
    const socket = state.socket;
    const size = typeof frame === "string" ? Buffer.byteLength(frame) : frame.length;
    if (!socket || socket.readyState === WebSocket.CONNECTING) {
      if (state.pending.length >= MAX_PENDING || state.pendingBytes + size > this.maxBufferedBytes) {
        this.refuse(state, `${state.pendingBytes} bytes in ${state.pending.length} frames already wait for it to connect`);
        return;
      }
      state.pending.push(frame);
      state.pendingBytes += size;
      state.dropReported = false;
      return;
    }
    if (socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount > this.maxBufferedBytes) {
      this.refuse(state, `${socket.bufferedAmount} bytes wait unsent; its server reads too slowly`);
      socket.close(SLOW_READER_CLOSE_CODE, "server reads too slowly");
      return;
    }
    state.dropReported = false;
    socket.send(frame);
  }

  private refuse(state: ClientState, why: string): void {
    if (state.dropReported) return;
    state.dropReported = true;
    const text =
      `Error: a frame to ${state.uri} was dropped: ${why} (limit ${this.maxBufferedBytes} bytes). ` +
      "Wait for onOpen before sending much, or send less.";
    state.module.enqueue(EventKind.error, PeerKind.client, state.id, state.uri, text, 0);
  }

  close(client: OutgoingClient, code: number, reason: string): void {
    const state = this.state(client);
    if (!state) return;
    const socket = state.socket;
    if (!socket || socket.readyState === WebSocket.CONNECTING) state.closeAfterOpen = { code, reason };
    else socket.close(code, reason);
  }

  closeAll(): void {
    for (const c of this.byId.values()) c.socket?.terminate();
    this.byId.clear();
  }

  info(client: OutgoingClient): ClientInfo {
    const socket = this.state(client)?.socket;
    return {
      id: client.id,
      uri: client.uri,
      handler: client.handler,
      engine: client.engine,
      readyState: socket ? socket.readyState : WebSocket.CONNECTING,
    };
  }
}

function stripExtension(handler: string): string {
  return handler.replace(/\.(m|c)?js$/, "");
}
