import { randomBytes } from "node:crypto";
import { Connection, type Consumer } from "rabbitmq-client";
import { redactUrl, type Connection as NamedConnection } from "../../config/connections.js";
import type { Logger } from "../../log/logger.js";
import { mqData } from "./mq-body.js";

/** At most one warning a minute about a broker connection that stays lost. */
const LOST_WARNING_INTERVAL_MS = 60_000;

/** What an mq watcher is handed for each message: its routing key and its body as data. */
export type MqListener = (routingKey: string, data: unknown) => void;

interface Shared {
  readonly consumer: Consumer;
  readonly listeners: Set<MqListener>;
  /** Resolves once the consumer's queue is bound; rejects when the broker refused it (then the entry is gone). */
  readonly ready: Promise<void>;
}

/**
 * The RabbitMQ side of MonoRail's `mq` resource on this node: one
 * rabbitmq-client Connection per operator connection, opened by the first mq
 * watch, and one consumer (an exclusive, auto-deleted queue bound to the
 * exchange with the routing key) per (connection, exchange, routing key),
 * shared by every watcher of it here and disposed with the last one; the
 * connection is closed with its last consumer. rabbitmq-client reconnects
 * and declares the queue and binding again by itself.
 */
export class MqHub {
  private readonly connections = new Map<string, Connection>();
  private readonly consumers = new Map<string, Shared>();
  private closed = false;
  /** Tells this server's broker connections apart from others' (RabbitMQ's connection list shows it). */
  private readonly tag = `${process.pid}-${randomBytes(3).toString("hex")}`;

  constructor(
    private readonly named: ReadonlyMap<string, NamedConnection>,
    private readonly log: Logger,
    /** How long the first watch of a binding waits for the broker. */
    private readonly setupTimeoutMs = 10_000,
  ) {}

  /**
   * Watches (exchange, routingKey) through the named connection; resolves with
   * the stop once the binding exists, rejects with the broker's reason
   * (a missing exchange, an unreachable broker).
   */
  async watch(connection: string, exchange: string, routingKey: string, listener: MqListener): Promise<() => void> {
    if (this.closed) throw new Error("the server is stopping");
    const key = `${connection}\u0000${exchange}\u0000${routingKey}`;
    let shared = this.consumers.get(key);
    if (!shared) shared = this.open(key, connection, exchange, routingKey);
    shared.listeners.add(listener);
    try {
      await shared.ready;
    } catch (error) {
      shared.listeners.delete(listener);
      throw error;
    }
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      shared.listeners.delete(listener);
      if (shared.listeners.size === 0 && this.consumers.get(key) === shared) {
        this.consumers.delete(key);
        shared.consumer.close().catch((error: unknown) => this.log.warn({ connection, exchange, routingKey, err: error }, `closing the mq consumer of ${exchange} "${routingKey}" failed`));
        this.release(connection);
      }
    };
  }

  /** Consumers open on this node (one per binding). */
  get consumerCount(): number {
    return this.consumers.size;
  }

  private connectionFor(name: string): Connection {
    const existing = this.connections.get(name);
    if (existing) return existing;
    const named = this.named.get(name);
    if (!named || named.kind !== "amqp") {
      throw new Error(`the mq resource is off: connection "${name}" is not an amqp connection of this server (the operator starts it with --connection ${name}=amqp://…)`);
    }
    const where = redactUrl(named.url);
    const connectionName = `aerostat monorail mq ${name} ${this.tag}`;
    this.log.info({ connection: name, url: where, connectionName }, `monorail mq: connecting to "${name}" (${where}) as "${connectionName}"`);
    const conn = new Connection({ url: named.url, connectionName, retryLow: 250, retryHigh: 10_000, heartbeat: 10 });
    // The first failure is logged; while it stays lost, one line per minute at most counts the attempts.
    let lost = false;
    let failures = 0;
    let warnedAt = 0;
    conn.on("error", (error: unknown) => {
      lost = true;
      failures++;
      const now = Date.now();
      if (failures > 1 && now - warnedAt < LOST_WARNING_INTERVAL_MS) return;
      warnedAt = now;
      const attempts = failures > 1 ? ` (${failures} failures so far)` : "";
      this.log.warn({ connection: name, url: where, err: error, failures }, `monorail mq: connection "${name}" (${where}) lost or refused${attempts}: ${String((error as Error)?.message ?? error)}; reconnecting`);
    });
    conn.on("connection", () => {
      if (lost) this.log.info({ connection: name, url: where }, `monorail mq: connection "${name}" (${where}) is back; watches resume`);
      lost = false;
      failures = 0;
    });
    this.connections.set(name, conn);
    return conn;
  }

  private open(key: string, connection: string, exchange: string, routingKey: string): Shared {
    const conn = this.connectionFor(connection);
    const listeners = new Set<MqListener>();
    const consumer = conn.createConsumer(
      {
        queue: "",
        queueOptions: { exclusive: true, autoDelete: true },
        queueBindings: [{ exchange, routingKey }],
        noAck: true,
      },
      (msg) => {
        const data = mqData(msg.body);
        for (const l of [...listeners]) l(msg.routingKey, data);
      },
    );
    let settled = false;
    const ready = new Promise<void>((resolve, reject) => {
      const fail = (error: unknown) => {
        if (settled) {
          this.log.warn({ connection, exchange, routingKey, err: error }, `monorail mq: the consumer of ${exchange} "${routingKey}" failed: ${String((error as Error)?.message ?? error)}`);
          return;
        }
        settled = true;
        clearTimeout(timer);
        if (this.consumers.get(key) === shared) this.consumers.delete(key);
        consumer.close().catch(() => undefined);
        this.release(connection);
        reject(error instanceof Error ? error : new Error(String(error)));
      };
      const timer = setTimeout(() => fail(new Error(`the broker of connection "${connection}" did not answer within ${this.setupTimeoutMs} ms`)), this.setupTimeoutMs);
      consumer.on("error", fail);
      consumer.once("ready", () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve();
      });
    });
    // Awaited by every watcher; a failure no watcher waits for any more must not go unhandled.
    ready.catch(() => undefined);
    const shared: Shared = { consumer, listeners, ready };
    this.consumers.set(key, shared);
    return shared;
  }

  /** Closes the broker connection `name` once no consumer uses it (it stops reconnecting too). */
  private release(name: string): void {
    const conn = this.connections.get(name);
    if (!conn) return;
    for (const key of this.consumers.keys()) if (key.startsWith(`${name}\u0000`)) return;
    this.connections.delete(name);
    this.log.info({ connection: name }, `monorail mq: closed connection "${name}": no mq watches use it`);
    conn.close().catch((error: unknown) => this.log.warn({ connection: name, err: error }, `monorail mq: closing connection "${name}" failed`));
  }

  /** Closes every consumer and connection (the runtime stops). */
  async close(): Promise<void> {
    this.closed = true;
    const consumers = [...this.consumers.values()];
    this.consumers.clear();
    await Promise.allSettled(consumers.map((s) => s.consumer.close()));
    const connections = [...this.connections.values()];
    this.connections.clear();
    await Promise.allSettled(connections.map((c) => c.close()));
  }
}
