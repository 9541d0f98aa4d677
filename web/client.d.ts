/**
 * aerostat reconnecting client, served at `/websockets/v4/client.js`.
 *
 * @example
 * import { connect } from "/websockets/v4/client.js";
 * const chat = connect(`ws://${location.host}/websockets/v4/service/chat`);
 * chat.on("message", (e) => console.log(e.data));
 * chat.send("hi"); // queued until the socket is open
 */

export interface ReconnectOptions {
  /** First reconnect delay in ms. Default 250. */
  minDelayMs?: number;
  /** Longest reconnect delay in ms. Default 10000. */
  maxDelayMs?: number;
  /** Each attempt waits this many times longer than the one before. Default 2. */
  factor?: number;
  /** Share of each delay that is random, 0 to 1. Default 0.5. */
  jitter?: number;
  /** Messages kept while disconnected; send() throws a RangeError past it. Default 1000. */
  maxQueued?: number;
  /** Reconnect after the connection drops. Default true. */
  reconnect?: boolean;
  /** Subprotocols for each handshake. */
  protocols?: string | string[];
  /** WebSocket implementation, where there is no global one. */
  WebSocket?: new (url: string, protocols?: string | string[]) => WebSocket;
}

export interface ReconnectingEvents {
  /** The socket opened; `reconnected` is true after a drop. Queued sends have gone out. */
  open: Event & { readonly reconnected: boolean };
  /** A message: a string, or an ArrayBuffer for binary frames. */
  message: Event & { readonly data: string | ArrayBuffer };
  /** The socket closed; `willReconnect` says whether a reconnect follows. */
  close: Event & { readonly code: number; readonly reason: string; readonly wasClean: boolean; readonly willReconnect: boolean };
  error: Event & { readonly message: string };
  /** A reconnect was scheduled: attempt number (from 1) and the wait in ms. */
  reconnect: Event & { readonly attempt: number; readonly delayMs: number };
}

export declare class ReconnectingWebSocket extends EventTarget {
  static readonly CONNECTING: 0;
  static readonly OPEN: 1;
  static readonly CLOSING: 2;
  static readonly CLOSED: 3;
  constructor(url: string | URL, options?: ReconnectOptions);
  readonly url: string;
  /** Like WebSocket.readyState; CONNECTING also while waiting to reconnect. */
  readonly readyState: 0 | 1 | 2 | 3;
  /** Messages waiting for the next open. */
  readonly queued: number;
  /** Reconnect attempts since the socket was last open. */
  readonly attempts: number;
  /** Sends now when open, otherwise queues for the next open. */
  send(data: string | ArrayBufferLike | ArrayBufferView | Blob): void;
  /** Closes for good: no more reconnects; queued messages are dropped. */
  close(code?: number, reason?: string): void;
  /** addEventListener, returning a function that removes the listener. */
  on<K extends keyof ReconnectingEvents>(type: K, listener: (event: ReconnectingEvents[K]) => void): () => void;
}

/** A ReconnectingWebSocket to `url`. */
export declare function connect(url: string | URL, options?: ReconnectOptions): ReconnectingWebSocket;

/** The wait before reconnect attempt `attempt` (from 1): capped exponential backoff with jitter. */
export declare function backoffDelay(attempt: number, options?: ReconnectOptions, random?: () => number): number;
