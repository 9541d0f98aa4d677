import { Connection as Rabbit, ConsumerStatus, type AsyncMessage, type Consumer } from "rabbitmq-client";
import type { AmqpListenerSpec } from "../../config/listener-spec.js";
import { redactUrl, type Connection } from "../../config/connections.js";
import type { Logger } from "../../log/logger.js";
import type { DeliveryOutcome, ListenerSource, SourceHooks, SourceMessage, SourceState } from "../source.js";
import { bodyText, reasonOf } from "../body-text.js";

/** The connection name RabbitMQ shows for a listener's connection (management UI, `rabbitmqctl list_connections`). */
export function amqpConnectionName(listener: string): string {
  return `aerostat-listener:${listener}`;
}

/** Timings of an amqp source; the defaults suit production, tests shorten them. */
export interface AmqpSourceOptions {
  /**
   * The AMQP heartbeat asked for, in seconds (default 10; RabbitMQ may lower
   * it). A connection that stays silent for about two heartbeats counts as
   * dead, so a peer that vanished without closing is noticed.
   */
  readonly heartbeatSeconds?: number;
}

/** How long close() waits for a handler still running and for the broker's goodbye before cutting the connection. */
const CLOSE_WAIT_MS = 3000;

/**
 * A RabbitMQ consumer for an amqp `.listener`. rabbitmq-client keeps the
 * connection up: after a drop it reconnects (backoff 100 ms doubling to 5 s,
 * with jitter) and declares the exchange, the queue, the bindings and the qos
 * again before consuming; each time it is ready the listener hears
 * connected(again). A message is acked only after the handler took it
 * ("done"), so `prefetch` bounds the messages in the host; "retry" (the
 * handler's isolate died with it) puts it back in the queue once. A
 * connection gone silent is noticed by the AMQP heartbeat (about 20 s).
 */
export function amqpSource(spec: AmqpListenerSpec, connection: Connection, hooks: SourceHooks, log: Logger, options: AmqpSourceOptions = {}): ListenerSource {
  checkUrl(connection.url);
  const where = `RabbitMQ connection "${connection.name}" (${redactUrl(connection.url)})`;
  let state: SourceState = "connecting";
  let everUp = false;
  let rabbit: Rabbit | undefined;
  let consumer: Consumer | undefined;

  /** The connection or the consumer stopped: the listener hears it (and logs it) once per drop. */
  const drop = (reason: string) => {
    if (state === "closed") return;
    if (state === "down") {
      log.debug({ listener: spec.name }, `listener ${spec.name}: ${reason}`);
      return;
    }
    state = "down";
    hooks.lost(reason);
  };

  const handle = async (msg: AsyncMessage): Promise<ConsumerStatus> => {
    if (state === "closed") return ConsumerStatus.REQUEUE;
    let outcome: DeliveryOutcome;
    try {
      outcome = await hooks.deliver(amqpMessage(msg));
    } catch (err) {
      log.error({ listener: spec.name, err }, `listener ${spec.name}: delivering a message failed; it goes back to the queue`);
      outcome = "retry";
    }
    if (outcome === "done") return ConsumerStatus.ACK;
    // Poison protection: a message that took its handler's isolate down once
    // (it comes back with redelivered set) and does it again is dropped, not
    // requeued, or it would kill the isolate forever. RabbitMQ sends it to the
    // queue's dead-letter exchange when one is set.
    if (msg.redelivered) {
      log.warn(
        { listener: spec.name, routingKey: msg.routingKey, exchange: msg.exchange },
        `listener ${spec.name}: dropped a message (routing key "${msg.routingKey}") that failed its handler twice`,
      );
      return ConsumerStatus.DROP;
    }
    return ConsumerStatus.REQUEUE;
  };

  return {
    get state() {
      return state;
    },
    start() {
      if (rabbit || state === "closed") return;
      try {
        rabbit = new Rabbit({
          url: connection.url,
          connectionName: amqpConnectionName(spec.name),
          retryLow: 100,
          retryHigh: 5000,
          heartbeat: options.heartbeatSeconds ?? 10,
        });
      } catch (err) {
        // Options it refuses will not change by trying again: the listener stays down, saying why.
        drop(`${where}: the RabbitMQ client refused it: ${reasonOf(err)}`);
        return;
      }
      rabbit.on("error", (err: unknown) => drop(`${where}: ${reasonOf(err)}`));
      consumer = rabbit.createConsumer(consumerProps(spec), handle);
      consumer.on("error", (err: unknown) => {
        const text = reasonOf(err);
        // A failed ack (the channel died with the message) needs no action: RabbitMQ requeues it.
        if (text.startsWith("failed to ack/nack")) log.debug({ listener: spec.name }, `listener ${spec.name}: ${text}`);
        else drop(`${where}: consumer for exchange "${spec.exchange}" stopped: ${text}`);
      });
      consumer.on("ready", () => {
        if (state === "closed" || state === "up") return;
        state = "up";
        hooks.connected(everUp);
        everUp = true;
      });
    },
    async close() {
      if (state === "closed") return;
      state = "closed";
      const [c, r] = [consumer, rabbit];
      if (!c || !r) return;
      if (!r.ready) {
        // Not connected: no message to hand back, and closing the connection first ends the consumer's pending set-up.
        await settles(r.close(), CLOSE_WAIT_MS);
        await settles(c.close(), CLOSE_WAIT_MS);
        return;
      }
      if (!(await settles(c.close(), CLOSE_WAIT_MS)) || !(await settles(r.close(), CLOSE_WAIT_MS))) r.unsafeDestroy();
    },
  };
}

/**
 * Throws when rabbitmq-client could not use the URL: it decodes the user
 * name, password and virtual host, and a bad %-escape makes it throw. The
 * message never shows the value.
 */
function checkUrl(url: string): void {
  const parsed = new URL(url);
  const parts: [string, string][] = [["user name", parsed.username], ["password", parsed.password], ["virtual host", parsed.pathname.split("/")[1] ?? ""]];
  for (const [part, value] of parts) {
    try {
      decodeURIComponent(value);
    } catch {
      throw new Error(`the URL's ${part} holds a "%" that starts no %-escape; write "%" as %25`);
    }
  }
}

/** rabbitmq-client's consumer set-up for a spec: exchange, queue, bindings, qos. */
function consumerProps(spec: AmqpListenerSpec) {
  const exchange = spec.exchange;
  return {
    // A named queue is durable and shared by every node; otherwise each node
    // gets its own server-named queue that goes away with its connection.
    queue: spec.queue ?? "",
    queueOptions: spec.queue ? { durable: true } : { exclusive: true, autoDelete: true },
    qos: { prefetchCount: spec.prefetch },
    // The default exchange ("") can be neither declared nor bound.
    exchanges: exchange ? [{ exchange, type: spec.exchangeType, durable: true }] : [],
    // Without a queue name, queue.bind names the queue last declared on the channel (the server-named one).
    queueBindings: exchange ? spec.routingKeys.map((routingKey) => ({ exchange, routingKey, ...(spec.queue ? { queue: spec.queue } : {}) })) : [],
    requeue: true,
  };
}

/** A delivered message as the handler gets it. */
export function amqpMessage(msg: AsyncMessage): SourceMessage {
  return { ...amqpBodyText(msg.body, msg.contentType), routingKey: msg.routingKey, exchange: msg.exchange, redelivered: msg.redelivered };
}

/**
 * The body as text. rabbitmq-client hands over a Buffer, a string (content
 * type text/plain) or the parsed value (application/json), which goes back to
 * JSON text (integers past 2^53 lose precision on the way: JSON.parse ran first).
 */
export function amqpBodyText(body: unknown, contentType: string | undefined): { text: string; encoding?: "base64" } {
  if (body instanceof Uint8Array) return bodyText(body);
  if (typeof body === "string" && contentType !== "application/json") return { text: body };
  return { text: JSON.stringify(body) ?? "" };
}

/** Whether `promise` settled within `ms` (a rejection counts as settled). */
async function settles(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
