/**
 * net/v4/channels — SocketCluster's channels, RPC and sign-in for handler
 * scripts, on endpoints whose descriptor says `"protocol": "socketcluster"`.
 * Browsers and Node programs connect with the stock `socketcluster-client`
 * (`path: "/websockets/v4/service/<endpoint>"`). The server keeps the
 * protocol (handshake, pings, subscriptions, tokens), so a reload of the
 * handler keeps every subscription and sign-in; the handler answers hooks
 * and calls these functions.
 *
 * Publications travel through the engine: with `--engine redis` a client on
 * any node gets a publication made on any node, once. Delivery is
 * at-most-once; channels listed in the descriptor's `socketcluster.history`
 * keep their last publications, with an offset and an epoch, so a client
 * that was away can ask what it missed (`aerostat.recover`).
 *
 * Hooks a handler may export (each may return a Promise; each has the
 * endpoint's hookTimeoutMs, default 5000 ms; what a hook throws reaches the
 * client as an error with the same `name`, `message` and own fields, never
 * the stack):
 * - `onHandshake(request)`: `false` refuses (the client retries), `{ permanent: true }` refuses for good.
 * - `onAuthenticate(authToken, connection)`: `false` refuses a presented token.
 * - `onSubscribe(channel, connection, { data, waitForAuth })`: `false` refuses; `{ requireAuth: true }` kicks the connection out of the channel when its token goes.
 * - `onPublishIn(channel, data, connection)`: `false` refuses; a value publishes that instead; nothing publishes as is. Without this hook clients may publish only when the descriptor says `"clientPublish": true`.
 * - `onInvoke(procedure, data, connection)`: the answer; returning nothing (undefined) means "no such procedure" (InvalidActionError). Return null for an answer without data.
 * - `onTransmit(receiver, data, connection)`: a transmit (no answer).
 * - `onPublication(channel, data, meta)`: a publication on a channel this module `listen()`s to.
 *
 * @example
 * const { publish, ChannelError } = require("net/v4/channels");
 * exports.onInvoke = async (procedure, data, connection) => {
 *   if (procedure === "login") { await connection.setAuthToken({ user: data.user }, { expiresIn: 3600 }); return "ok"; }
 *   if (procedure === "say") { await publish("room/" + data.room, { from: connection.authToken?.user, text: data.text }); return null; }
 *   throw new ChannelError("UnknownProcedure", "no procedure " + procedure);
 * };
 * exports.onSubscribe = (channel, connection) =>
 *   channel.startsWith("private/") ? (connection.authToken ? { requireAuth: true } : false) : true;
 */
declare module "net/v4/channels" {
  /** What travels on channels and in calls: JSON values. */
  type Json = any;

  /** A position in a channel's history: the offset of a publication and the epoch of the stream it is in. */
  export interface HistoryPosition {
    /**
     * The publication's number in its channel: 1, 2, 3, ... within one epoch.
     * @example
     * const at = await publish("news/sport", "goal"); // at.offset === 42
     */
    readonly offset: number;
    /**
     * The stream's identity: it changes when the engine lost the channel's history (then offsets start again at 1).
     * @example
     * if (page.epoch !== saved.epoch) reloadFromDatabase();
     */
    readonly epoch: string;
  }

  /** What history() answers. */
  export interface HistoryAnswer extends HistoryPosition {
    /**
     * True when `publications` is everything published after the position asked for; false when some were trimmed, expired, or the engine lost the stream (then resync from your database).
     * @example
     * const page = await history("news/sport", saved);
     * if (!page.recovered) reloadFromDatabase();
     */
    readonly recovered: boolean;
    /**
     * The publications, oldest first, with their offsets.
     * @example
     * for (const p of page.publications) show(p.data);
     */
    readonly publications: readonly { readonly offset: number; readonly data: Json }[];
  }

  /**
   * Publishes `data` on `channel` to every subscriber on every node (but the
   * connections in `except`). Resolves once the engine took it: with the
   * publication's position on a history channel, else null. A publish you
   * do not await that fails is logged, never an unhandled rejection.
   * @example
   * publish("news/sport", { title: "Goal!" });
   * const at = await publish("news/sport", { title: "Half time" }); // { offset: 42, epoch: "Yc1…" } on a history channel
   * publish("room/1", { text: "hi" }, { except: [connection] }); // everyone but the sender
   */
  export function publish(channel: string, data: Json, options?: { except?: (string | { id: string })[] | string | { id: string } }): Promise<HistoryPosition | null>;

  /**
   * Ids of this node's connections subscribed to `channel` (other nodes'
   * subscribers are counted by presence()).
   * @example
   * for (const id of subscribers("room/1")) console.log("listening:", id);
   */
  export function subscribers(channel: string): readonly string[];

  /**
   * How many connections are subscribed to `channel` on every node (the
   * engine's presence counts; a node that stopped counts no more).
   * @example
   * const { count } = await presence("room/1");
   */
  export function presence(channel: string): Promise<{ count: number }>;

  /**
   * The publications kept on a history channel after `since` (or the latest
   * ones), at most `limit` (default and most: 1000). Rejects with an
   * InvalidActionError for a channel the descriptor keeps no history of.
   * @example
   * const page = await history("news/sport", { epoch, offset: 40 });
   * if (!page.recovered) reloadFromDatabase();
   * for (const p of page.publications) console.log(p.offset, p.data);
   */
  export function history(channel: string, since?: HistoryPosition, limit?: number): Promise<HistoryAnswer>;

  /**
   * Has this module's `onPublication(channel, data, meta)` run for every
   * publication on `channel`, from any node, until unlisten() or a reload
   * (listen again at the top level). A module listens to 1,000 channels at
   * most; the next listen() throws a RangeError.
   * @example
   * listen("orders");
   * exports.onPublication = (channel, data, meta) => console.log(channel, data, meta.offset);
   */
  export function listen(channel: string): void;

  /**
   * Stops what listen() started.
   * @example
   * unlisten("orders");
   */
  export function unlisten(channel: string): void;

  /**
   * An error a hook throws so the client sees this `name`, `message` and
   * `fields` (SocketCluster clients check `error.name`).
   * @example
   * throw new ChannelError("ForbiddenError", "sign in first", { retryAfter: 5 });
   * // client: err.name === "ForbiddenError", err.retryAfter === 5
   */
  export class ChannelError extends Error {
    constructor(name: string, message: string, fields?: Record<string, Json>);
  }
}

/** The same module by its shorter name. */
declare module "net/channels" {
  export * from "net/v4/channels";
}
