/** What a valid `.listener` descriptor says, defaults filled in (parsed in listener-descriptor.ts). */

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
