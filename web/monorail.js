// aerostat MonoRail client: RackHD MonoRail's client API over aerostat's
// reconnecting client. Served at /websockets/v4/monorail.js (an ES module
// that imports ./client.js beside it); also importable from Node >= 22.
// Types: monorail.d.ts beside this file.
import { ReconnectingWebSocket } from "./client.js";

/** JSON text with object keys sorted at every depth: a watch's identity whatever its key order. */
function canonical(value) {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  return `{${Object.keys(value)
    .sort()
    .filter((k) => value[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
    .join(",")}}`;
}

export class MonoRailClient {
  #url;
  #options;
  #socket = null;
  #listeners = new Map();
  /** Active watches by identity: re-sent after every reconnect. */
  #watches = new Map();
  #sessionId = null;
  /** True from an open until its session frame came: that frame makes the client ready. */
  #awaitingSession = false;

  constructor(url, options = {}) {
    this.#url = String(url);
    this.#options = options;
  }

  /** The emitter of the client's events (on, once, off): the client itself. */
  get events() {
    return this;
  }

  /** The underlying ReconnectingWebSocket, or null before connect() and after disconnect(). */
  get wsConn() {
    return this.#socket;
  }

  /** The server's session id for the current connection, or null until it answered init. */
  get sessionId() {
    return this.#sessionId;
  }

  /** Whether the connection is open and the server answered its init. */
  get isReady() {
    return this.#sessionId !== null && this.#socket?.readyState === ReconnectingWebSocket.OPEN;
  }

  on(event, listener) {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener);
    return this;
  }

  once(event, listener) {
    const wrapped = (...args) => {
      this.off(event, wrapped);
      listener(...args);
    };
    wrapped.listener = listener;
    return this.on(event, wrapped);
  }

  off(event, listener) {
    const set = this.#listeners.get(event);
    if (!set) return this;
    for (const l of set) if (l === listener || l.listener === listener) set.delete(l);
    return this;
  }

  #emit(event, ...args) {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const l of [...set]) {
      try {
        l(...args);
      } catch (error) {
        // One listener's mistake must not keep the others (or the client) from running.
        setTimeout(() => {
          throw error;
        });
      }
    }
  }

  /** Opens the connection (once; it reconnects by itself until disconnect()). */
  connect() {
    if (this.#socket) return this;
    const socket = new ReconnectingWebSocket(this.#url, {
      ...this.#options,
      // After every open, before anything queued: a fresh init, then every active watch again.
      hello: async (raw) => {
        this.#sessionId = null;
        this.#awaitingSession = true;
        raw.send(JSON.stringify({ handler: "init" }));
        this.#emit("init");
        for (const frame of this.#watches.values()) raw.send(frame);
        if (this.#options.hello) await this.#options.hello(raw);
      },
    });
    this.#socket = socket;
    socket.on("open", (e) => this.#emit("open", e));
    socket.on("close", (e) => {
      this.#sessionId = null;
      this.#emit("close", e);
    });
    socket.on("error", (e) => this.#emit("error", { handler: "socket", message: e.message }));
    socket.on("refused", (e) => this.#emit("refused", { status: e.status, reason: e.reason }));
    socket.on("message", (e) => this.#received(e.data));
    return this;
  }

  /** Closes for good; listeners and watches stay, and connect() opens again (and re-sends the watches). */
  disconnect() {
    const socket = this.#socket;
    this.#socket = null;
    this.#sessionId = null;
    socket?.close(1000, "disconnect");
    return this;
  }

  /** Calls `cb(sessionId)` once the connection is open and initialised: now, or when it is. */
  ready(cb) {
    if (this.isReady) cb(this.#sessionId);
    else this.once("ready", cb);
    return this;
  }

  /** Asks the server for the session again; `cb` gets the session frame. */
  init(cb) {
    if (cb) this.once("session", cb);
    this.#send({ handler: "init" });
    return this;
  }

  all(type) {
    return this.#send(this.#frame("all", type));
  }

  query(type, params) {
    return this.#send(this.#frame("query", type, params ?? {}));
  }

  get(type, params) {
    return this.#send(this.#frame("get", type, params ?? {}));
  }

  /** Starts a watch and keeps it: after a reconnect it is sent again. */
  watch(type, params) {
    const frame = JSON.stringify(this.#frame("watch", type, params ?? {}));
    const key = `${type ?? ""}\u0000${canonical(params ?? {})}`;
    if (this.#watches.has(key)) return this;
    this.#watches.set(key, frame);
    // Sent now, or queued while away; the next connection's hello sends it too (the server takes a repeated watch as the same one).
    if (!this.#socket) this.connect();
    this.#socket.send(frame);
    return this;
  }

  /** Ends a watch (the same type and params, in any key order). */
  stop(type, params) {
    const key = `${type ?? ""}\u0000${canonical(params ?? {})}`;
    if (!this.#watches.delete(key) || !this.#socket) return this;
    this.#socket.send(JSON.stringify(this.#frame("stop", type, params ?? {})));
    return this;
  }

  /** Watches active now (re-sent after each reconnect). */
  get watches() {
    return [...this.#watches.values()].map((f) => {
      const { resource, params } = JSON.parse(f);
      return { type: resource, params };
    });
  }

  #frame(handler, type, params) {
    const frame = { handler };
    // Both names, as the server accepts either; none falls back to the URL's resource.
    if (type !== undefined && type !== null) {
      frame.resource = type;
      frame.type = type;
    }
    if (params !== undefined) frame.params = params;
    return frame;
  }

  #send(frame) {
    if (!this.#socket) this.connect();
    this.#socket.send(JSON.stringify(frame));
    return this;
  }

  #received(data) {
    if (typeof data !== "string") return;
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      this.#emit("error", { handler: "socket", message: "the server sent a frame that is not JSON" });
      return;
    }
    if (!msg || typeof msg !== "object") return;
    this.#emit("message", msg);
    if (msg.handler === "session") {
      this.#sessionId = msg.id;
      this.#emit("session", msg);
      if (this.#awaitingSession) {
        this.#awaitingSession = false;
        this.#emit("ready", msg.id);
      }
      return;
    }
    if (typeof msg.handler === "string" && msg.handler !== "message") this.#emit(msg.handler, msg);
  }
}

/** A MonoRailClient to `url`, connected. */
export function connect(url, options) {
  return new MonoRailClient(url, options).connect();
}
