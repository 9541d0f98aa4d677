import { WebSocket } from "ws";
import { EventKind, PeerKind } from "../bridge/protocol.js";
import type { HandlerModule } from "../sandbox/handler-module.js";

/** An outgoing WebSocket a script opened with createWebsocket(). */
export interface OutgoingClient {
  readonly id: string;
  readonly uri: string;
  /** The handler path as the script wrote it. */
  readonly handler: string;
  readonly engine: string;
  readonly project: string;
  readonly socket: WebSocket;
}

export interface ClientInfo {
  readonly id: string;
  readonly uri: string;
  readonly handler: string;
  readonly engine: string;
  readonly readyState: number;
}

interface ClientState extends OutgoingClient {
  /** Frames sent before the socket opened, flushed on open. */
  readonly pending: (string | Buffer)[];
  /** close() asked for before the socket opened; done right after the flush. */
  closeAfterOpen?: { code: number; reason: string };
}

/** Frames queued per client before it opens, at most. */
const MAX_PENDING = 1000;

/**
 * Outgoing clients. Each one's open/message/error/close events are queued on the
 * handler module named at creation; sends before open are queued and flushed.
 */
export class ClientRegistry {
  private readonly byId = new Map<string, ClientState>();
  private seq = 0;

  create(project: string, uri: string, handler: string, engine: string, module: HandlerModule): OutgoingClient {
    const socket = new WebSocket(uri, { handshakeTimeout: 10_000 });
    const client: ClientState = { id: `c${++this.seq}`, uri, handler, engine, project, socket, pending: [] };
    this.byId.set(client.id, client);
    const resume = () => socket.resume();
    const peer = (kind: EventKind, payload: unknown, code = 0) => {
      if (module.enqueue(kind, PeerKind.client, client.id, uri, payload, code) && !socket.isPaused) {
        socket.pause();
        module.holdBack(resume);
      }
    };
    socket.on("open", () => {
      for (const frame of client.pending.splice(0)) socket.send(frame);
      peer(EventKind.open, "");
      if (client.closeAfterOpen) socket.close(client.closeAfterOpen.code, client.closeAfterOpen.reason);
    });
    socket.on("message", (data, isBinary) => peer(EventKind.message, toPayload(data, isBinary)));
    socket.on("error", (error) => peer(EventKind.error, `Error: ${error.message}`));
    socket.on("close", (code, reason) => {
      this.byId.delete(client.id);
      peer(EventKind.close, reason.toString("utf8"), code);
    });
    return client;
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

  send(client: OutgoingClient, frame: string | Buffer): void {
    const state = this.byId.get(client.id);
    if (!state) return;
    if (state.socket.readyState === WebSocket.CONNECTING) {
      if (state.pending.length < MAX_PENDING) state.pending.push(frame);
      return;
    }
    if (state.socket.readyState === WebSocket.OPEN) state.socket.send(frame);
  }

  close(client: OutgoingClient, code: number, reason: string): void {
    const state = this.byId.get(client.id);
    if (!state) return;
    if (state.socket.readyState === WebSocket.CONNECTING) state.closeAfterOpen = { code, reason };
    else state.socket.close(code, reason);
  }

  closeAll(): void {
    for (const c of this.byId.values()) c.socket.terminate();
    this.byId.clear();
  }

  static info(c: OutgoingClient): ClientInfo {
    return { id: c.id, uri: c.uri, handler: c.handler, engine: c.engine, readyState: c.socket.readyState };
  }
}

function stripExtension(handler: string): string {
  return handler.replace(/\.(m|c)?js$/, "");
}

/** Text frames become strings; binary frames become ArrayBuffers (copied into the guest). */
export function toPayload(data: unknown, isBinary: boolean): string | ArrayBuffer {
  const buf = Array.isArray(data) ? Buffer.concat(data as Buffer[]) : Buffer.from(data as ArrayBuffer);
  if (!isBinary) return buf.toString("utf8");
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}
