import { AerostatError, UserErrorCodes } from "../errors/codes.js";
import type { Logger } from "../log/logger.js";
import { checkHistoryArgs, checkKeep } from "./history-page.js";
import {
  channelName,
  OWN_PREFIX,
  type RawSubscription,
  type BusChannel,
  type BusHandler,
  type BusListener,
  type EngineState,
  type EngineStatus,
  type HistoryKeep,
  type HistoryPage,
  type HistoryStamp,
  type KeptMessage,
  type MessageBus,
} from "./message-bus.js";
import { appendKept, readHistory } from "./redis-history.js";
import type { LinkEvents, PublisherLink, SubscriberLink } from "./redis-links.js";
import { RedisKeys } from "./redis-keys.js";
import { RedisPresence, type HeartbeatTimings } from "./redis-presence.js";
import { connectCluster } from "./redis-cluster.js";
import { connectSingle } from "./redis-single.js";
import { redactUrl } from "./redis-url.js";

/** How the redis engine is set up. */
export interface RedisBusOptions {
  readonly url: string;
  /** This node's name; messages carry it so a node drops its own. */
  readonly node: string;
  /** A Redis Cluster: sharded pub/sub (SSUBSCRIBE/SPUBLISH). */
  readonly cluster?: boolean;
  readonly log: Logger;
  /** A subscriber threw while handling a message. */
  readonly onError: (channel: BusChannel, error: unknown) => void;
  readonly heartbeat?: HeartbeatTimings;
  /** The subscriber connection is pinged this often and must answer within `pingTimeoutMs`. */
  readonly pingMs?: number;
  readonly pingTimeoutMs?: number;
}

const DEFAULT_HEARTBEAT: HeartbeatTimings = { everyMs: 1500, ttlMs: 5000 };
/** Reconnect attempts before start() gives up on a Redis that is not there. */
const START_ATTEMPTS = 3;

/**
 * The redis engine: many nodes on one Redis (node-redis 6). A publisher and a
 * subscriber connection per node; messages travel as `JSON [originNode,
 * message]`. A node delivers its own publishes to its subscribers at once and
 * drops their echo from Redis. After the subscriber reconnects, every channel
 * is subscribed again and a gap is raised for each (Redis pub/sub is
 * at-most-once). Publishing while the publisher is down rejects at once
 * (no offline queue). Redis going away never crashes the host: every client
 * 'error' is handled and reported to the watchers.
 */
export class RedisBus implements MessageBus {
  readonly engine = "redis";
  readonly node: string;
  /** Channels held, by wire name: their handlers, and when Redis confirmed the subscription. */
  private readonly channels = new Map<string, { channel: BusChannel; handlers: Set<BusHandler>; confirmed: Promise<void> }>();
  /** Raw wire channels held (subscribeRaw): their handlers, and when Redis confirmed the subscription. */
  private readonly raw = new Map<string, { handlers: Set<(text: string) => void>; confirmed: Promise<void> }>();
  private readonly listeners = new Set<BusListener>();
  private readonly publisher: PublisherLink;
  private readonly subscriber: SubscriberLink;
  private readonly presenceKeeper: RedisPresence;
  private readonly shownUrl: string;
  private readonly up = { publisher: false, subscriber: false };
  private started = false;
  private closed = false;
  private wasReady = false;
  private gaps = 0;
  private lastGapAt: number | undefined;
  private lastError: string | undefined;
  /** Switches the reconnect strategy from "give up" (start) to "retry for ever". */
  private readonly markStarted: () => void;

  constructor(private readonly options: RedisBusOptions) {
    this.node = options.node;
    this.shownUrl = redactUrl(options.url);
    const events: LinkEvents = {
      message: (name, text) => this.received(name, text),
      ready: (connection, again) => this.connectionReady(connection, again),
      down: (connection, error) => this.connectionDown(connection, error),
    };
    const phase = { started: false };
    // Until start() succeeds, a Redis that is not there fails start() after a few tries; afterwards the engine retries for ever.
    const reconnectStrategy = (retries: number) => (phase.started ? Math.min(100 * 2 ** retries, 2000) : retries >= START_ATTEMPTS ? false : 200);
    const links = options.cluster
      ? connectCluster(options.url, reconnectStrategy, events)
      : connectSingle(options.url, reconnectStrategy, events, options.pingMs ?? 2000, options.pingTimeoutMs ?? 2000);
    this.publisher = links.publisher;
    this.subscriber = links.subscriber;
    this.markStarted = () => (phase.started = true);
    const heartbeat = options.heartbeat ?? DEFAULT_HEARTBEAT;
    this.presenceKeeper = new RedisPresence(this.publisher.commands, this.node, heartbeat, () => this.publisher.ready, () =>
      options.log.warn(
        { node: this.node },
        `engine redis: another node on ${this.shownUrl} uses the node name "${this.node}" (or this node ran under it less than ${heartbeat.ttlMs / 1000} s ago); ` +
          "messages between nodes of one name are dropped as their own echoes: give each node its own --node-name",
      ),
    );
  }

  /** Connects both connections and beats once; rejects with one sentence naming the URL when Redis cannot be reached. */
  async start(): Promise<void> {
    try {
      await this.publisher.start();
      await this.subscriber.start();
      await this.presenceKeeper.start();
    } catch (error) {
      await this.close().catch(() => undefined);
      const why = error instanceof Error ? error.message : String(error);
      throw new AerostatError(
        UserErrorCodes.ENGINE_UNREACHABLE,
        `the redis engine cannot reach Redis at ${this.shownUrl} (${why}); start Redis there, or pass --redis-url (option redisUrl) with the right address`,
        { file: "(options)", field: "redisUrl" },
        { cause: error },
      );
    }
    this.markStarted();
    this.started = true;
    this.up.publisher = this.publisher.ready;
    this.up.subscriber = this.subscriber.ready;
    this.wasReady = this.up.publisher && this.up.subscriber;
    if (this.wasReady) for (const l of [...this.listeners]) this.tell(() => l.ready?.());
  }

  status(): EngineStatus {
    return {
      engine: this.engine,
      node: this.node,
      state: this.state(),
      peers: this.presenceKeeper.peers(),
      gaps: this.gaps,
      ...(this.lastGapAt !== undefined ? { lastGapAt: this.lastGapAt } : {}),
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
    };
  }

  publish(channel: BusChannel, message: unknown): Promise<void> {
    this.deliver(channelName(channel), message);
    if (!this.publisher.ready) {
      return Promise.reject(new Error(`engine redis: not connected to ${this.shownUrl}; the message reached this node's sessions only`));
    }
    return this.publisher.commands.publish(channelName(channel), JSON.stringify([this.node, message])).then(() => undefined);
  }

  /**
   * One Lua script appends to the channel's history and publishes (redis-history.ts);
   * this node's subscribers get `{ offset, epoch, data }` once it answered. While
   * the publisher is down it rejects at once and nobody gets the message (it has no offset).
   */
  async publishKept(channel: BusChannel, message: unknown, keep: HistoryKeep): Promise<HistoryStamp> {
    checkKeep(keep);
    this.assertConnected();
    const stamp = await appendKept(this.publisher.commands, { sharded: this.options.cluster === true, node: this.node }, channel, message, keep);
    const kept: KeptMessage = { offset: stamp.offset, epoch: stamp.epoch, data: message };
    this.deliver(channelName(channel), kept);
    return stamp;
  }

  async history(channel: BusChannel, since: HistoryStamp | undefined, limit: number, keep?: HistoryKeep): Promise<HistoryPage> {
    checkHistoryArgs(since, limit, keep);
    this.assertConnected();
    return readHistory(this.publisher.commands, channel, since, limit, keep);
  }

  subscribe(channel: BusChannel, handler: BusHandler): () => void {
    const name = channelName(channel);
    let entry = this.channels.get(name);
    if (!entry) this.channels.set(name, (entry = { channel, handlers: new Set(), confirmed: this.subscriber.add(name) }));
    const held = entry;
    held.handlers.add(handler);
    return () => {
      held.handlers.delete(handler);
      if (held.handlers.size === 0 && this.channels.get(name) === held) {
        this.channels.delete(name);
        this.subscriber.remove(name);
      }
    };
  }

  /** Resolves once Redis confirmed the channel's subscription: a publish from another node after that is heard. */
  subscribed(channel: BusChannel): Promise<void> {
    return this.channels.get(channelName(channel))?.confirmed ?? Promise.resolve();
  }

  /** PUBLISH of `text` as it is; rejects at once while the publisher is down, or for a name of aerostat's own. */
  publishRaw(name: string, text: string): Promise<void> {
    if (name.startsWith(OWN_PREFIX)) return Promise.reject(new Error(`engine redis: the raw channel "${name}" starts with "${OWN_PREFIX}", which only aerostat's own channels use`));
    if (!this.publisher.ready) return Promise.reject(new Error(`engine redis: not connected to ${this.shownUrl}`));
    return this.publisher.commands.publish(name, text).then(() => undefined);
  }

  /** SUBSCRIBE of `name` with the first handler, UNSUBSCRIBE with the last one gone; messages are handed over as they are. */
  subscribeRaw(name: string, handler: (text: string) => void): RawSubscription {
    if (name.startsWith(OWN_PREFIX)) throw new Error(`engine redis: the raw channel "${name}" starts with "${OWN_PREFIX}", which only aerostat's own channels use`);
    let entry = this.raw.get(name);
    if (!entry) this.raw.set(name, (entry = { handlers: new Set(), confirmed: this.subscriber.add(name) }));
    const held = entry;
    // A handler given twice still counts once per subscription.
    const own = (text: string) => handler(text);
    held.handlers.add(own);
    let done = false;
    return {
      confirmed: held.confirmed,
      unsubscribe: () => {
        if (done) return;
        done = true;
        held.handlers.delete(own);
        if (held.handlers.size === 0 && this.raw.get(name) === held) {
          this.raw.delete(name);
          this.subscriber.remove(name);
        }
      },
    };
  }

  watch(listener: BusListener): () => void {
    this.listeners.add(listener);
    if (this.state() === "ready") this.tell(() => listener.ready?.());
    return () => this.listeners.delete(listener);
  }

  async retain(channel: BusChannel, key: string, value: string, ttlMs: number): Promise<void> {
    this.assertConnected();
    await this.publisher.commands.setPx(RedisKeys.retained(channel, key), value, Math.max(1, Math.round(ttlMs)));
  }

  async retained(channel: BusChannel, key: string): Promise<string | undefined> {
    this.assertConnected();
    return (await this.publisher.commands.get(RedisKeys.retained(channel, key))) ?? undefined;
  }

  presence(project: string, key: string, delta: number): void {
    this.presenceKeeper.change(project, key, delta);
  }

  async countPresence(project: string, key: string): Promise<number> {
    this.assertConnected();
    return this.presenceKeeper.count(project, key);
  }

  /** Removes this node's heartbeat and counts (best effort) and closes both connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.presenceKeeper.close().catch(() => undefined);
    await Promise.allSettled([this.subscriber.close(), this.publisher.close()]);
    this.channels.clear();
    this.raw.clear();
    this.listeners.clear();
  }

  private state(): EngineState {
    if (this.closed) return "closed";
    if (!this.started) return "connecting";
    return this.up.publisher && this.up.subscriber ? "ready" : "reconnecting";
  }

  private assertConnected(): void {
    if (!this.publisher.ready) throw new Error(`engine redis: not connected to ${this.shownUrl}`);
  }

  /** A message from Redis: dropped when this node sent it (already delivered here) or when it is not an envelope. */
  private received(name: string, text: string): void {
    const raw = this.raw.get(name);
    if (raw) return this.deliverRaw(name, raw.handlers, text);
    let envelope: unknown;
    try {
      envelope = JSON.parse(text);
    } catch {
      envelope = undefined;
    }
    if (!Array.isArray(envelope) || envelope.length !== 2 || typeof envelope[0] !== "string") {
      this.options.log.warn({ channel: name }, `engine redis: dropped a message on ${name} that is not an aerostat envelope (JSON [node, message])`);
      return;
    }
    if (envelope[0] === this.node) return;
    this.deliver(name, envelope[1]);
  }

  private deliverRaw(name: string, handlers: ReadonlySet<(text: string) => void>, text: string): void {
    for (const handler of [...handlers]) {
      try {
        handler(text);
      } catch (error) {
        this.options.log.error({ channel: name, err: error }, `engine redis: handling a message on the raw channel ${name} failed`);
      }
    }
  }

  private deliver(name: string, message: unknown): void {
    const entry = this.channels.get(name);
    if (!entry) return;
    for (const handler of [...entry.handlers]) {
      try {
        handler(message);
      } catch (error) {
        this.options.onError(entry.channel, error);
      }
    }
  }

  /** Calls a watcher: one that throws is logged, never thrown into the Redis client's event handlers. */
  private tell(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.options.log.error({ err: error }, "engine redis: a watcher of the engine threw");
    }
  }

  private connectionReady(connection: "publisher" | "subscriber", again: boolean): void {
    if (!this.started || this.closed) return;
    this.up[connection] = true;
    if (connection === "publisher") this.presenceKeeper.restore();
    const ready = this.up.publisher && this.up.subscriber;
    if (ready && !this.wasReady) {
      this.wasReady = true;
      this.options.log.info({ node: this.node }, `engine redis: connected again to ${this.shownUrl}`);
      for (const l of [...this.listeners]) this.tell(() => l.ready?.());
    }
    if (connection === "subscriber" && again) this.raiseGap();
  }

  /** Every subscribed channel may have missed messages while the subscriber was away. */
  private raiseGap(): void {
    const held = [...this.channels.values()].map((e) => e.channel);
    this.gaps++;
    this.lastGapAt = Date.now();
    this.options.log.warn({ channels: held.length }, `engine redis: resubscribed ${held.length} channel(s); messages published while the subscriber was away are lost (gap)`);
    for (const l of [...this.listeners]) this.tell(() => l.gap?.(held));
  }

  private connectionDown(connection: "publisher" | "subscriber", error: Error): void {
    if (this.closed) return;
    this.lastError = `${connection}: ${error.message || error.name}`;
    if (!this.started) return;
    const wasUp = this.up[connection];
    this.up[connection] = false;
    if (!wasUp) return;
    // Reported once per outage, not once per reconnect attempt.
    this.wasReady = false;
    this.options.log.warn({ node: this.node, connection, err: error.message }, `engine redis: the ${connection} connection to ${this.shownUrl} failed; reconnecting`);
    for (const l of [...this.listeners]) this.tell(() => l.error?.(connection, error));
  }
}
