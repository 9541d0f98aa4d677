// aerostat reconnecting client: a WebSocket to a service URL that comes back by
// itself. Served at /websockets/v4/client.js; also importable from Node >= 22,
// which has a global WebSocket. Types: client.d.ts beside this file.

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

const DEFAULTS = {
  minDelayMs: 250,
  maxDelayMs: 10_000,
  factor: 2,
  jitter: 0.5,
  maxQueued: 1000,
  reconnect: true,
  helloTimeoutMs: 10_000,
};

/** The header that tells a refused client why (percent-encoded). */
const REFUSAL_HEADER = "Aerostat-Refusal";

/**
 * Statuses of the plain GET that mean "this handshake will be refused again":
 * a 4xx, except 408 (timeout), 426 (nothing remembered) and 429 (try later).
 */
function isFinalRefusal(status) {
  return status >= 400 && status < 500 && status !== 408 && status !== 426 && status !== 429;
}

/** The http(s) URL a browser may GET to learn why a handshake to the ws(s) `url` was refused. */
function refusalUrl(url) {
  const u = new URL(url);
  u.protocol = u.protocol === "wss:" ? "https:" : u.protocol === "ws:" ? "http:" : u.protocol;
  return u.href;
}

/** An Event with extra read-only fields (data, code, attempt, ...). */
class ClientEvent extends Event {
  constructor(type, fields) {
    super(type);
    for (const [key, value] of Object.entries(fields)) {
      Object.defineProperty(this, key, { value, enumerable: true });
    }
  }
}

/**
 * The delay before reconnect attempt `attempt` (1, 2, ...): exponential
 * backoff capped at maxDelayMs, with "equal jitter" so that many clients
 * dropped at once do not all come back in the same millisecond.
 */
export function backoffDelay(attempt, options = {}, random = Math.random) {
  const { minDelayMs, maxDelayMs, factor, jitter } = { ...DEFAULTS, ...options };
  const base = Math.min(maxDelayMs, minDelayMs * factor ** Math.max(0, attempt - 1));
  return Math.round(base * (1 - jitter) + base * jitter * random());
}

export class ReconnectingWebSocket extends EventTarget {
  static CONNECTING = CONNECTING;
  static OPEN = OPEN;
  static CLOSING = CLOSING;
  static CLOSED = CLOSED;

  #url;
  #protocols;
  #options;
  #Impl;
  #socket = null;
  #queue = [];
  #attempts = 0;
  #timer = null;
  #stopped = false;
  #everOpened = false;
  /** True once the current socket is open and hello has settled: sends go straight out. */
  #ready = false;
  #hello;
  #fetch;

  constructor(url, options = {}) {
    super();
    const { protocols, WebSocket: Impl, hello, fetch: fetchImpl, ...rest } = options;
    if (hello !== undefined && typeof hello !== "function") {
      throw new TypeError("options.hello must be a function (socket) => void | Promise<void>.");
    }
    this.#hello = hello;
    this.#fetch = fetchImpl ?? globalThis.fetch?.bind(globalThis);
    this.#url = String(url);
    this.#protocols = protocols;
    this.#options = { ...DEFAULTS, ...rest };
    this.#Impl = Impl ?? globalThis.WebSocket;
    if (typeof this.#Impl !== "function") {
      throw new TypeError("No WebSocket implementation: pass options.WebSocket (Node before 22 has no global WebSocket).");
    }
    this.#open();
  }

  get url() {
    return this.#url;
  }

  /** Like WebSocket.readyState; CONNECTING also while waiting to reconnect. */
  get readyState() {
    if (this.#stopped) return this.#socket && this.#socket.readyState !== CLOSED ? CLOSING : CLOSED;
    return this.#ready && this.#socket?.readyState === OPEN ? OPEN : CONNECTING;
  }

  /** Messages waiting to be sent once the socket is open again. */
  get queued() {
    return this.#queue.length;
  }

  /** Reconnect attempts since the socket was last open. */
  get attempts() {
    return this.#attempts;
  }

  /** Sends now when open; otherwise queues the message for the next open. */
  send(data) {
    if (this.#stopped) throw new Error("send() after close() or a refusal: create a new client to connect again.");
    if (this.#ready && this.#socket?.readyState === OPEN) {
      this.#socket.send(data);
      return;
    }
    if (this.#queue.length >= this.#options.maxQueued) {
      throw new RangeError(
        `${this.#queue.length} messages are already waiting for the connection (maxQueued); wait for "open" or raise maxQueued.`,
      );
    }
    this.#queue.push(data);
  }

  /** Closes for good: no more reconnects. Queued messages are dropped. */
  close(code = 1000, reason = "") {
    this.#stopped = true;
    this.#queue.length = 0;
    clearTimeout(this.#timer);
    const socket = this.#socket;
    if (!socket) return;
    if (socket.readyState === OPEN || socket.readyState === CONNECTING) socket.close(code, reason);
  }

  /** addEventListener with a way back: returns a function that removes the listener. */
  on(type, listener) {
    this.addEventListener(type, listener);
    return () => this.removeEventListener(type, listener);
  }

  #open() {
    let socket;
    try {
      socket = this.#protocols === undefined ? new this.#Impl(this.#url) : new this.#Impl(this.#url, this.#protocols);
    } catch (error) {
      // A malformed URL will not get better by waiting.
      this.#stopped = true;
      throw error;
    }
    this.#socket = socket;
    this.#ready = false;
    let opened = false;
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      opened = true;
      if (this.#hello) this.#greet(socket);
      else this.#becomeReady(socket);
    };
    socket.onmessage = (e) => this.dispatchEvent(new ClientEvent("message", { data: e.data }));
    socket.onerror = () => this.dispatchEvent(new ClientEvent("error", { message: `WebSocket error on ${this.#url}` }));
    socket.onclose = async (e) => {
      if (this.#socket !== socket) return;
      this.#ready = false;
      // A handshake that never opened may have been refused for good: ask why (a browser cannot see the status).
      const refused = opened || this.#stopped ? undefined : await this.#askWhy();
      if (this.#socket !== socket) return;
      if (refused) this.#stopped = true;
      const willReconnect = !this.#stopped && this.#options.reconnect;
      this.dispatchEvent(
        new ClientEvent("close", { code: e.code, reason: e.reason, wasClean: e.wasClean, willReconnect }),
      );
      if (refused) {
        this.#queue.length = 0;
        this.dispatchEvent(new ClientEvent("refused", refused));
      } else if (willReconnect) this.#schedule();
    };
  }

  /** Runs options.hello on a freshly opened socket; its sends go out before the queue. */
  async #greet(socket) {
    let timer;
    try {
      await Promise.race([
        this.#hello(socket),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`hello did not settle within ${this.#options.helloTimeoutMs} ms`)), this.#options.helloTimeoutMs);
        }),
      ]);
    } catch (error) {
      clearTimeout(timer);
      if (this.#socket !== socket || socket.readyState !== OPEN) return;
      const message = `hello failed: ${error instanceof Error ? error.message : String(error)}`;
      this.dispatchEvent(new ClientEvent("error", { message }));
      // The socket is closed and tried again like any dropped connection; the queue waits for a hello that works.
      socket.close(4000, message.slice(0, 120));
      return;
    }
    clearTimeout(timer);
    if (this.#socket === socket && socket.readyState === OPEN) this.#becomeReady(socket);
  }

  #becomeReady(socket) {
    const reconnected = this.#everOpened;
    this.#everOpened = true;
    // Backoff starts again only once hello worked: a hello that keeps failing backs off like a server that is down.
    this.#attempts = 0;
    this.#ready = true;
    this.#flush(socket);
    this.dispatchEvent(new ClientEvent("open", { reconnected }));
  }

  /**
   * A plain GET of the service URL: the server answers with the status and
   * reason of a refusal it gave this client a moment ago, or 426. Resolves to
   * { status, reason } when that refusal is final (4xx), else undefined.
   */
  async #askWhy() {
    if (typeof this.#fetch !== "function") return undefined;
    try {
      const res = await this.#fetch(refusalUrl(this.#url), { cache: "no-store" });
      const header = res.headers.get(REFUSAL_HEADER);
      // Only aerostat's own answer counts: a proxy's 404 for a plain GET says nothing about the handshake.
      if (!isFinalRefusal(res.status) || header === null) return undefined;
      let reason;
      try {
        reason = decodeURIComponent(header);
      } catch {
        reason = header;
      }
      return { status: res.status, reason };
    } catch {
      return undefined; // the server is down, or another origin's server without CORS: keep backing off
    }
  }

  #flush(socket) {
    while (this.#queue.length > 0 && socket.readyState === OPEN) {
      socket.send(this.#queue[0]);
      this.#queue.shift();
    }
  }

  #schedule() {
    this.#attempts += 1;
    const delayMs = backoffDelay(this.#attempts, this.#options);
    this.dispatchEvent(new ClientEvent("reconnect", { attempt: this.#attempts, delayMs }));
    this.#timer = setTimeout(() => {
      if (!this.#stopped) this.#open();
    }, delayMs);
  }
}

/** A ReconnectingWebSocket to `url`. */
export function connect(url, options) {
  return new ReconnectingWebSocket(url, options);
}
