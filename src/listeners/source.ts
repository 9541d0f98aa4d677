import type { Connection } from "../config/connections.js";
import type { ListenerSpec } from "../config/listener-spec.js";
import type { Logger } from "../log/logger.js";

/**
 * The contract between a listener and the service it listens to. A source
 * (amqp, postgres, redis, nats) owns one connection to its service, keeps it
 * up (reconnecting with backoff), and hands each message to `deliver`. The
 * listener (src/listeners/) owns everything else: the handler module, the
 * bound on waiting messages, counts, and what the dashboard shows.
 */

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
