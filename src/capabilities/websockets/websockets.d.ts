/**
 * net/v4/websockets — the WebSocket API for aerostat handler scripts.
 *
 * A handler module exports any of `onOpen`, `onMessage`, `onError` and
 * `onClose`. It serves browser sessions when a `.websocket` descriptor names it,
 * and outgoing clients when `createWebsocket` names it.
 *
 * @example
 * const websockets = require("net/v4/websockets");
 * exports.onMessage = function (message, connection) {
 *   return "echo: " + message; // a returned string is sent back to that connection
 * };
 */
declare module "net/v4/websockets" {
  /** What `onMessage` receives: text frames as strings, binary frames as ArrayBuffers. */
  export type Message = string | ArrayBuffer;

  /** What `send` accepts: a string becomes a text frame; bytes become a binary frame. */
  export type Outgoing = string | ArrayBuffer | ArrayBufferView;

  /** The event being handled: one of "onopen", "onmessage", "onerror", "onclose". */
  export type Method = "onopen" | "onmessage" | "onerror" | "onclose" | "onreconnect";

  /**
   * A browser (or any client) connected to one of this project's endpoints.
   *
   * @example
   * exports.onOpen = function (connection) {
   *   connection.send("welcome, " + connection.id);
   * };
   */
  export interface Connection {
    /**
     * Session id, unique while the server runs. With `--engine redis` it names
     * the node that holds the session: "n1.s1".
     * @example
     * console.log("session", connection.id); // "s1" ("n1.s1" on node n1)
     */
    readonly id: string;
    /**
     * The endpoint name the session connected to.
     * @example
     * if (connection.endpoint === "chat") connection.send("hi");
     */
    readonly endpoint: string;
    /**
     * The handshake that opened the session: URL, path, query, a safe subset
     * of headers (cookie and authorization included) and the client's address.
     * @example
     * const token = connection.request.query.token;
     */
    readonly request: HandshakeRequest;
    /**
     * What the handler keeps for this connection: any JSON value (default
     * null), at most 64 KiB of JSON. Kept by the server, so it survives a
     * reload of the handler. Assigning a value that is not JSON or too large
     * throws and keeps the old one; a change made in place
     * (`connection.data.room = "x"`) is kept when the hook returns.
     * @example
     * connection.data = { room: "lobby", nick: "ada" };
     * connection.data.room = "red"; // kept when the hook returns
     */
    data: any;
    /**
     * Sends a message to this session.
     * @example
     * connection.send(JSON.stringify({ type: "tick", at: Date.now() }));
     */
    send(message: Outgoing): void;
    /**
     * Closes the session. `code` is 1000 (default) or 3000–4999.
     * @example
     * connection.close(4000, "bye");
     */
    close(code?: number, reason?: string): void;
    /**
     * The id, so a connection reads well in text.
     * @example
     * console.log("from: " + connection); // "from: s1"
     */
    toString(): string;
    /**
     * Socketcluster endpoints: the payload of the token the connection signed
     * in with (checked: this project's, signed with the server's key, not
     * expired), or null. Raw endpoints: always null.
     * @example
     * if (connection.authToken?.role !== "admin") throw new ChannelError("ForbiddenError", "admins only");
     */
    readonly authToken: { readonly [claim: string]: any } | null;
    /**
     * Socketcluster endpoints: signs `payload` into a token (JWT, valid for
     * `expiresIn` seconds, default the endpoint's authExpirySeconds, or until
     * the payload's `exp`) and sends it; the client stores it, presents it on
     * every reconnect, and emits "authenticate". Resolves once it was sent.
     * @example
     * await connection.setAuthToken({ user: "ann", role: "admin" }, { expiresIn: 3600 });
     */
    setAuthToken(payload: { [claim: string]: any }, options?: { expiresIn?: number }): Promise<void>;
    /**
     * Socketcluster endpoints: signs the connection out; the client forgets
     * its token, and channels whose onSubscribe answered `{ requireAuth: true }`
     * are kicked out.
     * @example
     * connection.deauthenticate();
     */
    deauthenticate(): void;
    /**
     * Socketcluster endpoints: calls the client's procedure (a
     * `socket.procedure(name)` consumer) and resolves with what its
     * `request.end(value)` sent; rejects with the error of `request.error()`
     * (by name), or a TimeoutError after `ackTimeoutMs` (default the
     * endpoint's ackTimeoutMs, 10000).
     * @example
     * const answer = await connection.invoke("whoAreYou", null, { ackTimeoutMs: 2000 });
     */
    invoke(procedure: string, data?: any, options?: { ackTimeoutMs?: number }): Promise<any>;
    /**
     * Socketcluster endpoints: sends an event to the client's
     * `socket.receiver(name)` (no answer).
     * @example
     * connection.transmit("notice", { text: "maintenance at 6pm" });
     */
    transmit(receiver: string, data?: any): void;
    /**
     * Socketcluster endpoints: subscribes the connection to a channel from the
     * server side (no onSubscribe is asked).
     * @example
     * connection.subscribe("user/" + connection.authToken.user);
     */
    subscribe(channel: string): void;
    /**
     * Socketcluster endpoints: removes the connection from a channel; the
     * client emits "kickOut" with `message` and drops the channel.
     * @example
     * connection.kickOut("room/1", "you were removed by a moderator");
     */
    kickOut(channel: string, message?: any): void;
    /**
     * Socketcluster endpoints: the channels the connection is subscribed to.
     * @example
     * console.log(connection.subscriptions); // ["room/1", "news"]
     */
    readonly subscriptions: readonly string[];
  }

  /**
   * An outgoing WebSocket made with `createWebsocket`.
   *
   * @example
   * const client = websockets.createWebsocket("ws://localhost:9000/feed", "my-project/feed-handler");
   * client.send("subscribe");
   */
  export interface WebsocketClient {
    /**
     * Client id, unique while the server runs.
     * @example
     * websockets.getClient(client.id) // → the same client
     */
    readonly id: string;
    /**
     * The URI it connects to.
     * @example
     * console.log(client.uri); // "ws://localhost:9000/feed"
     */
    readonly uri: string;
    /**
     * The handler module path that receives its events, as given.
     * @example
     * console.log(client.handler); // "my-project/feed-handler"
     */
    readonly handler: string;
    /**
     * The engine it was created with (always "javascript").
     * @example
     * console.log(client.engine); // "javascript"
     */
    readonly engine: string;
    /**
     * Dirigible's session handle: `getId()` is the id `getClient` takes.
     * @example
     * websockets.getClient(client.session.getId()) // → the same client
     */
    readonly session: ClientSession;
    /**
     * What the handler keeps for this client: any JSON value (default
     * null), at most 64 KiB of JSON. Kept by the server, so it survives a
     * reload of the handler. Assigning a value that is not JSON or too large
     * throws and keeps the old one; a change made in place
     * (`client.data.room = "x"`) is kept when the hook returns.
     * @example
     * client.data = { room: "lobby", nick: "ada" };
     * client.data.room = "red"; // kept when the hook returns
     */
    data: any;
    /**
     * Sends a message; messages sent before the socket opens are queued and sent on open.
     * @example
     * client.send("hello");
     */
    send(message: Outgoing): void;
    /**
     * Closes the socket (after queued messages are sent, if it is still opening).
     * @example
     * websockets.getClientByHandler("my-project/feed-handler").close();
     */
    close(code?: number, reason?: string): void;
    /**
     * The id, so a client reads well in text.
     * @example
     * console.log("client " + client); // "client c1"
     */
    toString(): string;
  }

  /** What `client.session` is: Dirigible's handle on the client's WebSocket session. */
  export interface ClientSession {
    /** @example websockets.getClient(client.session.getId()) */
    getId(): string;
  }

  /** Metadata of a created client, as listed by `getClients`. */
  export interface WebsocketClientInfo {
    /** @example info.id // "c1" */
    readonly id: string;
    /** @example info.uri // "ws://localhost:9000/feed" */
    readonly uri: string;
    /** @example info.handler // "my-project/feed-handler" */
    readonly handler: string;
    /** @example info.engine // "javascript" */
    readonly engine: string;
    /** @example websockets.getClient(info.session.getId()) */
    readonly session: ClientSession;
    /** 0 connecting, 1 open, 2 closing, 3 closed. @example info.readyState === 1 */
    readonly readyState: number;
    /** The client's data. @example info.data?.feed */
    readonly data: any;
    /** True when it was created with `{ reconnect: true }`. @example info.reconnect && console.log("comes back by itself") */
    readonly reconnect: boolean;
    /** The reconnect attempt under way or waited for; 0 while connected. @example if (info.attempt > 3) console.warn(info.uri, "is down") */
    readonly attempt: number;
  }

  /** Options of `createWebsocket`. */
  export interface CreateWebsocketOptions {
    /**
     * Connect again after the connection drops (not after the script's own
     * `close()`): with backoff from 250 ms, doubling up to 10 s, half of each
     * wait random, for as long as the client's handler module is loaded. The
     * client keeps its id (and `data`); sends made meanwhile are queued; its
     * handler's `onReconnect(client, attempt)` runs at each drop and `onOpen`
     * again on each open. `onClose` runs only when it is closed for good.
     * While it waits, `readyState` is 0 (connecting). Default false.
     * @example
     * websockets.createWebsocket("ws://localhost:9000/feed", "my-project/feed-handler", { reconnect: true });
     */
    reconnect?: boolean;
  }

  /** What a handler reads of a handshake (`connection.request`, and onHandshake's argument). */
  export interface HandshakeRequest {
    /** The path and query as sent. @example request.url // "/websockets/v4/service/chat?room=red" */
    readonly url: string;
    /** @example request.path // "/websockets/v4/service/chat" */
    readonly path: string;
    /** Each query parameter's first value. @example request.query.room // "red" */
    readonly query: Readonly<Record<string, string>>;
    /**
     * Lower-case names: host, origin, referer, user-agent, accept-language,
     * cookie, authorization, sec-websocket-protocol, x-forwarded-for,
     * x-forwarded-proto, x-real-ip (those sent; others are not given).
     * @example request.headers.cookie
     */
    readonly headers: Readonly<Record<string, string>>;
    /** @example request.remoteAddress // "127.0.0.1" */
    readonly remoteAddress: string;
  }

  /** Metadata of a session, as listed by `getSessions`. */
  export interface SessionInfo {
    /** @example info.id // "s1" */
    readonly id: string;
    /** @example info.endpoint // "chat" */
    readonly endpoint: string;
    /** 1 while open. @example info.readyState === 1 */
    readonly readyState: number;
    /** The session's data (see Connection.data), e.g. to rebuild an index in onReload. @example info.data?.room */
    readonly data: any;
  }

  /**
   * Opens an outgoing WebSocket. Its open, message, error and close events run
   * the handler module `handler` (a path relative to the project root, in the
   * same project folder). Returns at once. It may reach this server's own
   * service endpoints, and other hosts only when the operator allows them
   * (`--allow-outbound localhost:9000`, option `outboundHosts`).
   * `options.reconnect` makes a client that connects again after a drop,
   * with the same id (see `CreateWebsocketOptions`); the options may also
   * take the engine's place.
   * @throws TypeError when `uri` is not ws:// or wss://, `engine` is not "javascript", the handler is not found,
   * the options are not `{ reconnect?: boolean }`, or the host is not allowed (the message names the flag to use).
   * @example
   * const client = websockets.createWebsocket("ws://localhost:9000/", "my-project/ws-handler");
   * client.send("hello");
   * const feed = websockets.createWebsocket("ws://localhost:9000/feed", "my-project/feed-handler", { reconnect: true });
   */
  export function createWebsocket(uri: string, handler: string, engine?: "javascript", options?: CreateWebsocketOptions): WebsocketClient;
  /**
   * The same, with the options in the engine's place.
   * @example
   * websockets.createWebsocket("ws://localhost:9000/feed", "my-project/feed-handler", { reconnect: true });
   */
  export function createWebsocket(uri: string, handler: string, options: CreateWebsocketOptions): WebsocketClient;

  /**
   * The clients this project created that are not closed yet.
   * @example
   * websockets.getClients().forEach((c) => console.log(c.id, c.uri, c.readyState));
   */
  export function getClients(): WebsocketClientInfo[];

  /**
   * A client by id, or null.
   * @example
   * const client = websockets.getClient("c1");
   * if (client) client.send("ping");
   */
  export function getClient(id: string): WebsocketClient | null;

  /**
   * The first open client whose handler is `handler` (with or without extension), or null.
   * @example
   * websockets.getClientByHandler("my-project/ws-handler").close();
   */
  export function getClientByHandler(handler: string): WebsocketClient | null;

  /**
   * The message of the `onMessage` event being handled; null elsewhere, as in Dirigible.
   * Read it before any `await`: after one, another event may be current.
   * @example
   * exports.onMessage = () => "you said " + websockets.getMessage();
   */
  export function getMessage(): Message | null;

  /**
   * The error of the `onError` event being handled, as Dirigible gives it: the
   * message without its class name ("TypeError: "); null elsewhere.
   * @example
   * exports.onError = () => console.error(websockets.getError());
   */
  export function getError(): string | null;

  /**
   * The event being handled, or null outside any event (in a timer, say).
   * @example
   * if (websockets.getMethod() === "onmessage") { ... }
   */
  export function getMethod(): Method | null;

  /** True while `onOpen` runs. @example if (websockets.isOnOpen()) console.log("new session"); */
  export function isOnOpen(): boolean;
  /** True while `onMessage` runs. @example if (websockets.isOnMessage()) console.log(websockets.getMessage()); */
  export function isOnMessage(): boolean;
  /** True while `onError` runs. @example if (websockets.isOnError()) console.error(websockets.getError()); */
  export function isOnError(): boolean;
  /** True while `onClose` runs. @example if (websockets.isOnClose()) console.log("session ended"); */
  export function isOnClose(): boolean;

  /**
   * Open sessions of this project's endpoints, or of one endpoint, on this
   * node only (with several nodes, use countSessions() for the cluster-wide
   * count and sendTo() to reach a session elsewhere). A connection to an
   * evqueue endpoint is listed once it has signed in.
   * @example
   * const here = websockets.getSessions("chat").length;
   */
  export function getSessions(endpoint?: string): SessionInfo[];

  /**
   * A session of this project on this node by id, or null (a session of
   * another node is null here: reach it with sendTo()).
   * @example
   * const s = websockets.getSession("s3");
   * if (s) s.send("a private word");
   */
  export function getSession(id: string): Connection | null;

  /**
   * Sends `message` to one session of this project by id (or connection),
   * whichever node holds it: its id names the node ("n2.s5"). Resolves true
   * when the message went out to a session of this node, or when the engine
   * took it for the node the id names (whether that node still has the
   * session is not known then: delivery across nodes is at-most-once);
   * false for an unknown or closed id of this node, an id of another
   * project, an id of a node when the engine has one node, or a connection
   * to an evqueue endpoint (raw text would break its XML stream; broadcast
   * passes those over, and their connection.send() drops and logs). Never throws
   * for an id; a message that is not a string or bytes is a TypeError.
   * Sent in order with the hook's other sends.
   * @example
   * const ok = await websockets.sendTo(data.ownerId, "your job is done");
   * if (!ok) console.log("the owner has gone");
   * await websockets.sendTo(connection, new Uint8Array([1, 2, 3])); // one binary frame
   */
  export function sendTo(sessionId: string | Connection, message: Outgoing): Promise<boolean>;

  /**
   * Open sessions of this project (or of one of its endpoints) on every live
   * node, from the counts each node keeps; a node that stopped counts no
   * more once its heartbeat expires. On one node: the same as
   * getSessions(endpoint).length.
   * @example
   * const online = await websockets.countSessions("chat");
   * connection.send(online + " people in the chat");
   */
  export function countSessions(endpoint?: string): Promise<number>;

  /**
   * Sends `message` to every open session of `endpoint` (default: every
   * endpoint of this project), except the sessions or ids in `except`. A
   * string goes as a text frame; an ArrayBuffer, typed array or DataView as
   * one binary frame with exactly the bytes it covers (they count 4/3 against
   * the per-event outgoing limit: they leave the sandbox as base64).
   * @example
   * exports.onMessage = (message, connection) =>
   *   websockets.broadcast(message, { endpoint: "chat", except: [connection] });
   * websockets.broadcast(new Uint8Array([1, 2, 3]), { endpoint: "ticks" }); // one binary frame
   */
  export function broadcast(
    message: Outgoing,
    options?: { endpoint?: string; except?: Array<Connection | string> | Connection | string },
  ): void;
}

/**
 * The handler functions a module may export. Every argument is optional to use,
 * so handlers written for Dirigible (which take none) keep working.
 */
declare namespace AerostatHandler {
  type Connection = import("net/v4/websockets").Connection | import("net/v4/websockets").WebsocketClient;
  /** Runs when a session opens (or an outgoing client connects). */
  type OnOpen = (connection: Connection) => void;
  /**
   * Runs per message. What it returns (or its Promise's value) is sent back to
   * the connection: a string as text, bytes as a binary frame, any other JSON
   * value as JSON text; undefined and null send nothing.
   */
  type OnMessage = (message: import("net/v4/websockets").Message, connection: Connection) => unknown;
  /** Runs on a socket error, or after another handler function threw. */
  type OnError = (error: string, connection: Connection | undefined) => void;
  /** Runs when the connection closed, with the close code and reason. */
  type OnClose = (connection: Connection, info: { code: number; reason: string }) => void;
  /**
   * Runs before a handshake is accepted. Return false (403) or throw (403, or
   * the error's `status` of 401) to refuse, with the error's message as the
   * reason; return a JSON value to accept with it as `connection.data`.
   */
  type OnHandshake = (request: import("net/v4/websockets").HandshakeRequest) => unknown;
  /**
   * Runs when an outgoing client made with `{ reconnect: true }` dropped and
   * will connect again: `attempt` counts from 1 since it was last open. Sends
   * made now are queued for the next open; `onOpen` runs again then.
   */
  type OnReconnect = (client: import("net/v4/websockets").WebsocketClient, attempt: number) => void;
  /** Runs once after the module's code was loaded again (file saved, sandbox restarted), before other events: rebuild what the module keeps from getSessions(). */
  type OnReload = () => void | Promise<void>;
}

/**
 * Eclipse Dirigible's documented alias of `net/v4/websockets`: the same module.
 *
 * @example
 * const websockets = require("net/websockets");
 */
declare module "net/websockets" {
  export * from "net/v4/websockets";
}

/**
 * The ES module form of Dirigible's current documentation.
 *
 * @example
 * import { websockets } from "sdk/net";
 * export function onMessage(message: string) {
 *   websockets.broadcast(message);
 * }
 */
declare module "sdk/net" {
  /**
   * `net/v4/websockets`, under the name Dirigible's `sdk/net` gives it.
   *
   * @example
   * import { websockets } from "sdk/net";
   * websockets.getSessions().length;
   */
  export const websockets: typeof import("net/v4/websockets");
}
