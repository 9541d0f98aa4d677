import type { Connection } from "../config/connections.js";
import type { Logger } from "../log/logger.js";

/**
 * The contract between a listener and the service it listens to. A source
 * (amqp, postgres, redis, nats) owns one connection to its service, keeps it
 * up (reconnecting with backoff), and hands each message to `deliver`. The
 * listener (src/listeners/) owns everything else: the handler module, the
 * bound on waiting messages, counts, and what the dashboard shows.
 */

/** The services a `.listener` descriptor may name in "source". */
export type ListenerSourceName = "amqp" | "postgres" | "redis" | "nats";

/** Fields every `.listener` descriptor has, defaults filled in. */
interface ListenerCommon {
  /** Project-relative path of the descriptor file. */
  readonly file: string;
  /** The listener's name: unique in the project, shown in logs and on the dashboard. */
  readonly name: string;
  /** An operator connection (`--connection NAME=URL`); never a URL. */
  readonly connection: string;
  /** Handler module path relative to the project root, as written. */
  readonly handler: string;
  readonly description: string;
}

export interface AmqpListenerSpec extends ListenerCommon {
  readonly source: "amqp";
  readonly exchange: string;
  readonly exchangeType: "topic" | "direct" | "fanout" | "headers";
  /** Binding keys (default ["#"]). */
  readonly routingKeys: readonly string[];
  /** A durable queue to consume, shared by every node; without it each node gets an exclusive, auto-deleted queue. */
  readonly queue?: string;
  /** Unacknowledged messages at most (default 100): RabbitMQ holds the rest back. */
  readonly prefetch: number;
}

export interface PostgresListenerSpec extends ListenerCommon {
  readonly source: "postgres";
  /** LISTEN channels. */
  readonly channels: readonly string[];
}

export interface RedisListenerSpec extends ListenerCommon {
  readonly source: "redis";
  readonly channels: readonly string[];
  /** PSUBSCRIBE patterns. */
  readonly patterns: readonly string[];
}

export interface NatsListenerSpec extends ListenerCommon {
  readonly source: "nats";
  /** Subjects, wildcards allowed ("telemetry.>"). */
  readonly subjects: readonly string[];
  /** A queue group: each message goes to one node of the group. */
  readonly queue?: string;
}

export type ListenerSpec = AmqpListenerSpec | PostgresListenerSpec | RedisListenerSpec | NatsListenerSpec;

/** One message from the service, as the handler gets it. */
export interface SourceMessage {
  /** The body as text; a body that is not UTF-8 text comes base64-encoded, with encoding "base64". */
  readonly text: string;
  readonly encoding?: "base64";
  /** Where it came from: the channel (postgres, redis), routing key and exchange (amqp), or subject (nats). */
  readonly channel?: string;
  readonly pattern?: string;
  readonly routingKey?: string;
  readonly exchange?: string;
  readonly subject?: string;
  /** amqp: the broker delivered it before (a handler or isolate died with it). */
  readonly redelivered?: boolean;
}

/** How the handler took a message: ran (ack), or its isolate died with it (amqp nacks and requeues once). */
export type DeliveryOutcome = "done" | "retry";

export interface SourceHooks {
  /**
   * Hands a message to the handler. Sources that can be slowed (amqp) await it
   * and ack or nack by the outcome; the others do not wait (the listener drops
   * the oldest waiting message past the module's bound, and counts it).
   */
  deliver(message: SourceMessage): Promise<DeliveryOutcome>;
  /** The connection is up and listening: `again` after a drop (the handler then gets a gap message). */
  connected(again: boolean): void;
  /** The connection dropped or could not be made; the source keeps trying. The reason names the service, never a password. */
  lost(reason: string): void;
}

export type SourceState = "connecting" | "up" | "down" | "closed";

export interface ListenerSource {
  readonly state: SourceState;
  /** Connects and starts listening; reconnects by itself until close(). */
  start(): void;
  /** Stops listening and closes the connection. */
  close(): Promise<void>;
}

export type SourceFactory<S extends ListenerSpec = ListenerSpec> = (spec: S, connection: Connection, hooks: SourceHooks, log: Logger) => ListenerSource;
