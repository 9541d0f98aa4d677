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
  /** First reconnect delay in ms. Default 250. @example connect(url, { minDelayMs: 100 }) */
  minDelayMs?: number;
  /** Longest reconnect delay in ms. Default 10000. @example connect(url, { maxDelayMs: 30_000 }) */
  maxDelayMs?: number;
  /** Each attempt waits this many times longer than the one before. Default 2. @example connect(url, { factor: 1.5 }) */
  factor?: number;
  /** Share of each delay that is random, 0 to 1. Default 0.5. @example connect(url, { jitter: 1 }) // "full jitter" */
  jitter?: number;
  /** Messages kept while disconnected; send() throws a RangeError past it. Default 1000. @example connect(url, { maxQueued: 50 }) */
  maxQueued?: number;
  /** Reconnect after the connection drops. Default true. @example connect(url, { reconnect: false }) // a plain WebSocket with a queue */
  reconnect?: boolean;
  /** Subprotocols for each handshake. @example connect(url, { protocols: ["chat.v1"] }) */
  protocols?: string | string[];
  /**
   * Runs after every open, before queued messages go out: re-authenticate or
   * re-join here. It gets the raw WebSocket; what it sends goes out before the
   * queue, while `send()` on the client keeps queueing until hello settles.
   * `open` fires after it settles. If it throws, rejects or takes longer than
   * `helloTimeoutMs`, an `error` event says why, the socket is closed (code 4000)
   * and the client reconnects with backoff as after any drop; the queue waits.
   * @example
   * connect(url, {
   *   hello: async (socket) => {
   *     socket.send(JSON.stringify({ type: "join", room: "lobby", token }));
   *   },
   * });
   */
  hello?: (socket: WebSocket) => void | Promise<void>;
  /** How long hello may take, in ms. Default 10000. @example connect(url, { hello, helloTimeoutMs: 3000 }) */
  helloTimeoutMs?: number;
  /**
   * fetch used to ask why a handshake was refused (see the `refused` event). Default: the global fetch.
   * @example connect(url, { fetch: (input, init) => fetch(input, init) })
   */
  fetch?: (input: string, init: { cache: "no-store" }) => Promise<{ status: number; headers: { get(name: string): string | null } }>;
  /** WebSocket implementation, where there is no global one. @example import { WebSocket } from "ws"; connect(url, { WebSocket }) */
  WebSocket?: new (url: string, protocols?: string | string[]) => WebSocket;
}

export interface ReconnectingEvents {
  /** The socket opened and `hello` (if any) settled; `reconnected` is true after a drop. Queued sends have gone out. @example socket.on("open", (e) => e.reconnected && console.log("back")) */
  open: Event & { readonly reconnected: boolean };
  /** A message: a string, or an ArrayBuffer for binary frames. @example socket.on("message", (e) => console.log(e.data)) */
  message: Event & { readonly data: string | ArrayBuffer };
  /** The socket closed; `willReconnect` says whether a reconnect follows. @example socket.on("close", (e) => console.log(e.code, e.willReconnect)) */
  close: Event & { readonly code: number; readonly reason: string; readonly wasClean: boolean; readonly willReconnect: boolean };
  /** The socket reported an error; a close follows. @example socket.on("error", (e) => console.warn(e.message)) */
  error: Event & { readonly message: string };
  /** A reconnect was scheduled: attempt number (from 1) and the wait in ms. @example socket.on("reconnect", (e) => console.log(`retry ${e.attempt} in ${e.delayMs} ms`)) */
  reconnect: Event & { readonly attempt: number; readonly delayMs: number };
  /**
   * The server refused the handshake with a 4xx (other than 408 and 429): the
   * client stops for good (no more reconnects, the queue is dropped, `send()`
   * throws). `status` is the HTTP status (403, 404, 401, ...) and `reason` the
   * server's brief reason. A browser cannot see a refused handshake's status, so
   * after a socket fails before opening the client asks with a plain GET of the
   * same URL (no preflight), which aerostat answers for a few seconds with the
   * status and an `Aerostat-Refusal` header (a 4xx without that header, from a
   * proxy say, does not count). 5xx
   * refusals (full, loading, shutting down) keep the client retrying.
   * @example socket.on("refused", (e) => showError(`${e.status}: ${e.reason}`))
   */
  refused: Event & { readonly status: number; readonly reason: string };
}

export declare class ReconnectingWebSocket extends EventTarget {
  /** @example socket.readyState === ReconnectingWebSocket.CONNECTING */
  static readonly CONNECTING: 0;
  /** @example socket.readyState === ReconnectingWebSocket.OPEN */
  static readonly OPEN: 1;
  /** @example socket.readyState === ReconnectingWebSocket.CLOSING */
  static readonly CLOSING: 2;
  /** @example socket.readyState === ReconnectingWebSocket.CLOSED */
  static readonly CLOSED: 3;
  /** @example const socket = new ReconnectingWebSocket("ws://127.0.0.1:8080/websockets/v4/service/echo"); */
  constructor(url: string | URL, options?: ReconnectOptions);
  /** The service URL. @example console.log(socket.url) */
  readonly url: string;
  /** Like WebSocket.readyState; CONNECTING also while waiting to reconnect or while `hello` runs; CLOSED after a refusal. @example if (socket.readyState === 1) status = "online"; */
  readonly readyState: 0 | 1 | 2 | 3;
  /** Messages waiting for the next open. @example badge.textContent = `${socket.queued} unsent`; */
  readonly queued: number;
  /** Reconnect attempts since the socket was last open. @example if (socket.attempts > 5) showOfflineBanner(); */
  readonly attempts: number;
  /** Sends now when open, otherwise queues for the next open. @example socket.send(JSON.stringify({ type: "hello" })); */
  send(data: string | ArrayBufferLike | ArrayBufferView | Blob): void;
  /** Closes for good: no more reconnects; queued messages are dropped. @example window.addEventListener("pagehide", () => socket.close()); */
  close(code?: number, reason?: string): void;
  /** addEventListener, returning a function that removes the listener. @example const off = socket.on("message", show); off(); */
  on<K extends keyof ReconnectingEvents>(type: K, listener: (event: ReconnectingEvents[K]) => void): () => void;
}

/** A ReconnectingWebSocket to `url`. @example const echo = connect(`ws://${location.host}/websockets/v4/service/echo`); */
export declare function connect(url: string | URL, options?: ReconnectOptions): ReconnectingWebSocket;

/** The wait before reconnect attempt `attempt` (from 1): capped exponential backoff with jitter. @example backoffDelay(3) // 500–1000 ms */
export declare function backoffDelay(attempt: number, options?: ReconnectOptions, random?: () => number): number;
