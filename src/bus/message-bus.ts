/**
 * The engine that carries messages between the parts of a server and between
 * the nodes that share it. Every message travels on a channel of one project
 * (projects stay isolated across nodes too). Engines: memory (one process,
 * memory-bus.ts) and redis (several nodes on one Redis).
 *
 * Delivery is at-most-once, as Redis pub/sub is: after the engine lost its
 * connection, `gap` names the channels whose messages may have been lost.
 */

/** Where a message travels: `aerostat:{<project>}:<kind>:<name>` on Redis. */
export interface BusChannel {
  /** Top-level project folder ("" for the root). */
  readonly project: string;
  /** What uses it: "ws" (broadcasts), "node" (messages for one node), "ev" (net/v4/events), ... */
  readonly kind: string;
  readonly name: string;
}

/** What a subscriber is handed: the message as published (JSON-safe data). */
export type BusHandler = (message: unknown) => void;

/** What the engine tells whoever watches it. */
export interface BusListener {
  /** Connected: once at start, and again after every reconnect. */
  ready?(): void;
  /** A connection failed: the one that publishes or the one that subscribes. */
  error?(connection: "publisher" | "subscriber", error: Error): void;
  /** Messages on these subscribed channels may have been lost while the engine was away. */
  gap?(channels: readonly BusChannel[]): void;
}

/** How much history a channel keeps. */
export interface HistoryKeep {
  /** The latest `size` publications (an integer, 1 or more). */
  readonly size: number;
  /** Publications older than this are dropped, and the whole history (its epoch too) when nothing was published for this long. */
  readonly ttlMs: number;
}

/** A position in a channel's history: the offset of a publication and the epoch of the stream it is in. */
export interface HistoryStamp {
  readonly offset: number;
  readonly epoch: string;
}

/** What a subscriber of a channel published with publishKept() is handed. */
export interface KeptMessage extends HistoryStamp {
  readonly data: unknown;
}

/** An answer of MessageBus.history(). */
export interface HistoryPage {
  /** The stream's epoch now, and the offset of its latest publication (0 when none). */
  readonly epoch: string;
  readonly offset: number;
  /** True when `publications` is everything published after `since` (same epoch, nothing trimmed or expired in between, all fit in `limit`). Always true when `since` was not given. */
  readonly recovered: boolean;
  /** Oldest first. */
  readonly publications: readonly { readonly offset: number; readonly data: unknown }[];
}

export type EngineState = "ready" | "connecting" | "reconnecting" | "closed";

/** What the dashboard and the startup line show of the engine. */
export interface EngineStatus {
  readonly engine: string;
  /** This node's name ("" for the memory engine). */
  readonly node: string;
  readonly state: EngineState;
  /** Nodes seen through their heartbeat, this one included. */
  readonly peers: readonly string[];
  /** Gaps raised so far, and when the last one was. */
  readonly gaps: number;
  readonly lastGapAt?: number;
  readonly lastError?: string;
}

export interface MessageBus {
  /** The engine's name, for logs and the dashboard: "memory", "redis". */
  readonly engine: string;
  /** This node's name: "" for the memory engine. Peer ids carry it ("n1.s12"). */
  readonly node: string;
  /** Connects (the memory engine: at once). Rejects when the engine cannot be reached at all. */
  start(): Promise<void>;
  status(): EngineStatus;
  /**
   * Publishes `message` (JSON-safe) on `channel`. Subscribers on this node get
   * it before publish() resolves; other nodes through the engine. Rejects when
   * the engine cannot take it (a lost broker).
   */
  publish(channel: BusChannel, message: unknown): Promise<void>;
  /** Calls `handler` with every message published on `channel` by any node; returns the unsubscribe. */
  subscribe(channel: BusChannel, handler: BusHandler): () => void;
  /**
   * Resolves once the engine confirmed the subscriptions of `channel` made so
   * far (Redis: the SUBSCRIBE reply), so what is published after that reaches
   * them. Optional: an engine without it delivers from the subscribe() call on
   * (the memory engine).
   */
  subscribed?(channel: BusChannel): Promise<void>;
  /**
   * Publishes `text` as it is on the wire channel `name`, with no envelope:
   * for programs that are not aerostat nodes (net/v4/events' server-events
   * compatibility mode). This node's raw subscribers hear it back through the
   * engine like everyone else. Names starting with "aerostat:" are refused
   * (they are aerostat's own). Optional: the redis engine on one server has it.
   */
  publishRaw?(name: string, text: string): Promise<void>;
  /**
   * Calls `handler` with every text published on the wire channel `name` (by
   * anything), refcounted: the engine subscribes with the first handler and
   * unsubscribes when the last one is removed. `confirmed` resolves once the
   * engine confirmed the subscription. Names starting with "aerostat:" are refused.
   */
  subscribeRaw?(name: string, handler: (text: string) => void): RawSubscription;
  /**
   * Publishes `message` on `channel` and appends it to the channel's history in one
   * atomic step, so offsets follow publish order across nodes. Subscribers (this node
   * and others) receive `{ offset, epoch, data: message }` (a KeptMessage) instead of
   * the bare message; this node's subscribers once the engine gave the offset, before
   * the promise resolves. Rejects, delivering nothing, when the engine cannot take it.
   */
  publishKept(channel: BusChannel, message: unknown, keep: HistoryKeep): Promise<HistoryStamp>;
  /**
   * The publications after `since`, oldest first, at most `limit` (the first
   * `limit` after `since`, so a reader can page on from the last one), or the
   * latest `limit` when no `since`. A `since` of another epoch gets the first
   * `limit` the stream keeps. `limit` 0 asks only for the position.
   * When the channel has no history yet and `keep` is given, its epoch is made
   * now (and kept for `keep.ttlMs`), so a position read before the first
   * publication recovers; without `keep` such a channel answers epoch "".
   */
  history(channel: BusChannel, since: HistoryStamp | undefined, limit: number, keep?: HistoryKeep): Promise<HistoryPage>;
  /** Calls `listener` on ready, error and gap; returns the stop. */
  watch(listener: BusListener): () => void;
  /** Keeps `value` under (channel, key) for `ttlMs`, readable from every node. */
  retain(channel: BusChannel, key: string, value: string, ttlMs: number): Promise<void>;
  /** The value kept under (channel, key), if it has not expired. */
  retained(channel: BusChannel, key: string): Promise<string | undefined>;
  /** Changes this node's count under (project, key) by `delta` (sessions per endpoint, say). */
  presence(project: string, key: string, delta: number): void;
  /** The sum of every live node's count under (project, key); a node that stopped heartbeating counts no more. */
  countPresence(project: string, key: string): Promise<number>;
  close(): Promise<void>;
}

/** A subscription to a raw wire channel (MessageBus.subscribeRaw). */
export interface RawSubscription {
  /** Resolves once the engine confirmed the subscription (at once when it is down: it subscribes when back). */
  readonly confirmed: Promise<void>;
  /** Removes the handler; the last one to go unsubscribes the channel. */
  unsubscribe(): void;
}

/** The prefix of aerostat's own channel and key names: raw channels may not use it. */
export const OWN_PREFIX = "aerostat:";

/**
 * A project's hash tag: its name percent-encoded, so no folder name can close
 * the braces or add a ":" part and land on another project's names; "/" for
 * the root (which an encoded name never is), since Redis ignores an empty `{}`.
 */
export function projectTag(project: string): string {
  return `{${encodeURIComponent(project) || "/"}}`;
}

/** A channel's name on the wire: the `{…}` hash tag keeps a project's channels on one Redis Cluster slot. */
export function channelName(channel: BusChannel): string {
  return `aerostat:${projectTag(channel.project)}:${channel.kind}:${channel.name}`;
}

/** The key that identifies a channel in maps. */
export function channelKey(channel: BusChannel): string {
  return `${channel.project}\u0000${channel.kind}\u0000${channel.name}`;
}
