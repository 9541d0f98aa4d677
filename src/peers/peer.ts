import type { PeerKind } from "../protocol/events.js";

/** A text frame encoded once: one Buffer that every recipient's socket sends without copying it. */
export interface SharedTextFrame {
  readonly shared: Buffer;
}

export function sharedTextFrame(text: string): SharedTextFrame {
  return { shared: Buffer.from(text, "utf8") };
}

/** What a peer can be sent: text, bytes, or a text frame shared by many recipients. */
export type Frame = string | Buffer | SharedTextFrame;

/**
 * A connection a handler module serves: a browser session on an endpoint, or
 * an outgoing client a script opened. The rest of the host talks to peers
 * through this, never to their sockets; a peer on another node can implement
 * it too.
 */
export interface Peer {
  readonly kind: PeerKind;
  /** Unique on this server; node-qualified ("<node>.s12") when nodes share a bus. */
  readonly id: string;
  /** Top-level project folder of the handler serving it. */
  readonly project: string;
  /** The endpoint (sessions) or the URI (clients). */
  readonly where: string;
  /** A WebSocket readyState: 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Sends a frame; false when it was not sent (not open, or refused by its buffer limit). */
  send(frame: Frame): boolean;
  /** Closes with a code and reason (the caller has checked both). */
  close(code: number, reason: string): void;
  /** What the handler keeps for this peer (`connection.data`), as JSON text; kept across reloads. */
  data: string;
  /**
   * Why a script's raw frames (connection.send, sendTo, broadcast) never go
   * to it, when the host speaks a protocol on it that they would break
   * (evQueue's XML); undefined when they do.
   */
  readonly noRawFrames?: string | undefined;
}

/** Bytes of `connection.data` (its JSON text, UTF-8) a peer may hold. */
export const MAX_PEER_DATA_BYTES = 64 * 1024;

/**
 * Peer ids: `s<n>` for sessions, `c<n>` for clients, `h<n>` for HTTP requests to script services, prefixed with the node's
 * name and a dot (`eu-1.s12`) when the server runs with a node name, so ids
 * stay unique across nodes sharing a bus and name the node that holds them.
 */
export class PeerIds {
  private seq = 0;

  constructor(
    private readonly letter: "s" | "c" | "h",
    private readonly node = "",
  ) {}

  next(): string {
    const local = `${this.letter}${++this.seq}`;
    return this.node ? `${this.node}.${local}` : local;
  }
}

/** The node a peer id names, or "" for an id of a server with no node name. */
export function nodeOf(id: string): string {
  const dot = id.lastIndexOf(".");
  return dot === -1 ? "" : id.slice(0, dot);
}
