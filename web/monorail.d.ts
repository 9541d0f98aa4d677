/**
 * aerostat MonoRail client, served at `/websockets/v4/monorail.js`: RackHD
 * MonoRail's client API on aerostat's reconnecting client. After every
 * reconnect it sends a fresh `init` and every active watch again; listeners stay.
 *
 * @example
 * import { connect } from "/websockets/v4/monorail.js";
 * const rail = connect(`ws://${location.host}/websockets/v4/service/rack`);
 * rail.on("item", (msg) => console.log(msg.resource, msg.id, msg.data));
 * rail.ready(() => rail.watch("nodes", { rack: "a" }));
 */
import type { ReconnectOptions, ReconnectingWebSocket } from "./client.js";

/** A frame the server sent: `handler` says which, `resource` and `type` name the resource. */
export interface MonoRailFrame {
  /** "session", "list", "item", "remove" or "error". @example rail.on("message", (msg) => console.log(msg.handler)) */
  readonly handler: string;
  /** The resource it is about (also in `type`). @example rail.on("list", (msg) => tables[msg.resource] = msg.items) */
  readonly resource: string | null;
  /** The same as `resource`. @example rail.on("item", (msg) => msg.type === "nodes" && update(msg.data)) */
  readonly type: string | null;
  /** session: the session id; item/remove: the item's id (`[event, id]` for changes). @example rail.on("remove", (msg) => rows.delete(msg.id)) */
  readonly id?: unknown;
  /** item/remove: the record. @example rail.on("item", (msg) => rows.set(msg.data.id, msg.data)) */
  readonly data?: unknown;
  /** list: the items. @example rail.on("list", (msg) => render(msg.items)) */
  readonly items?: unknown[];
  /** error: `{ name, message }`. @example rail.on("error", (msg) => msg.params && console.warn(msg.params.name, msg.params.message)) */
  readonly params?: { readonly name: string; readonly message: string };
}

export interface MonoRailEvents {
  /** The socket opened (a reconnect too: `reconnected`). @example rail.on("open", (e) => e.reconnected && console.log("back")) */
  open: Event & { readonly reconnected: boolean };
  /** The socket closed; `willReconnect` says whether a reconnect follows. @example rail.on("close", (e) => console.log(e.code, e.willReconnect)) */
  close: Event & { readonly code: number; readonly willReconnect: boolean };
  /** An error frame from the server, or `{ handler: "socket", message }` for the socket. @example rail.on("error", (msg) => console.warn(msg)) */
  error: MonoRailFrame | { readonly handler: "socket"; readonly message: string };
  /** Every frame the server sent. @example rail.on("message", (msg) => log.push(msg)) */
  message: MonoRailFrame;
  /** The connection is open and the server answered its init: the session id. @example rail.on("ready", (id) => console.log("session", id)) */
  ready: string;
  /** An init was sent (after every open). @example rail.on("init", () => status.textContent = "initialising") */
  init: void;
  /** A session frame (the answer to init). @example rail.on("session", (msg) => console.log(msg.id)) */
  session: MonoRailFrame;
  /** A list frame (query, all, a watch's initial list, or list() on the server). @example rail.on("list", (msg) => render(msg.items)) */
  list: MonoRailFrame;
  /** An item frame (get, or a change to a watched resource). @example rail.on("item", (msg) => upsert(msg.data)) */
  item: MonoRailFrame;
  /** A remove frame (get of nothing, or a destroyed item). @example rail.on("remove", (msg) => drop(msg.id)) */
  remove: MonoRailFrame;
  /** The server refused the handshake for good (see the reconnecting client). @example rail.on("refused", (e) => alert(e.reason)) */
  refused: { readonly status: number; readonly reason: string };
}

export declare class MonoRailClient {
  /**
   * A client of the service URL (`…/service/<endpoint>` or `…/service/<endpoint>/<resource>`, whose resource frames without one use). Call connect().
   * @example const rail = new MonoRailClient(`ws://${location.host}/websockets/v4/service/rack/nodes`, { maxDelayMs: 5000 });
   */
  constructor(url: string | URL, options?: ReconnectOptions);
  /** The emitter of the events: the client itself. @example rail.events.on("item", show) */
  readonly events: MonoRailClient;
  /** The ReconnectingWebSocket underneath (null before connect()). @example rail.wsConn?.queued */
  readonly wsConn: ReconnectingWebSocket | null;
  /** The current connection's session id (null until init is answered). @example console.log(rail.sessionId) */
  readonly sessionId: string | null;
  /** Open and initialised. @example if (rail.isReady) rail.all("nodes"); */
  readonly isReady: boolean;
  /** Watches active now, re-sent after each reconnect. @example console.log(rail.watches.length) */
  readonly watches: readonly { readonly type: string | undefined; readonly params: unknown }[];
  /** Adds a listener; kept across reconnects. @example rail.on("item", (msg) => console.log(msg.data)) */
  on<K extends keyof MonoRailEvents>(event: K, listener: (arg: MonoRailEvents[K]) => void): this;
  /** A listener that runs once. @example rail.once("ready", () => rail.all("nodes")) */
  once<K extends keyof MonoRailEvents>(event: K, listener: (arg: MonoRailEvents[K]) => void): this;
  /** Removes a listener. @example rail.off("item", show) */
  off<K extends keyof MonoRailEvents>(event: K, listener: (arg: MonoRailEvents[K]) => void): this;
  /** Opens the connection (it reconnects with backoff until disconnect()). @example rail.connect(); */
  connect(): this;
  /** Closes for good; connect() opens again and re-sends the watches. @example window.addEventListener("pagehide", () => rail.disconnect()); */
  disconnect(): this;
  /** `cb(sessionId)` once open and initialised: now, or when it is. @example rail.ready(() => rail.watch("nodes", {})) */
  ready(cb: (sessionId: string) => void): this;
  /** Sends init; `cb` gets the session frame. @example rail.init((msg) => console.log(msg.id)) */
  init(cb?: (session: MonoRailFrame) => void): this;
  /** Asks for every item of `type` (a list frame answers). @example rail.all("nodes") */
  all(type?: string): this;
  /** Asks for the items of `type` matching `params` (a list frame answers). @example rail.query("nodes", { rack: "a" }) */
  query(type: string | undefined, params?: unknown): this;
  /** Asks for one item (an item frame, or remove when there is none). @example rail.get("nodes", { id: "42" }) */
  get(type: string | undefined, params?: unknown): this;
  /** Watches `type` with `params` until stop(); re-sent after reconnects. @example rail.watch("nodes", { rack: "a" }) */
  watch(type: string | undefined, params?: unknown): this;
  /** Stops the watch with the same type and params (any key order). @example rail.stop("nodes", { rack: "a" }) */
  stop(type: string | undefined, params?: unknown): this;
}

/** A connected MonoRailClient. @example const rail = connect(`ws://${location.host}/websockets/v4/service/rack`); */
export declare function connect(url: string | URL, options?: ReconnectOptions): MonoRailClient;
