/** What a subscriber is handed: the message as published (JSON-safe data). */
export type BusHandler = (message: unknown) => void;

/**
 * Carries messages between the parts of a server, and between servers that
 * share one bus: broadcasts today, channels and server events later. A
 * publish reaches every subscriber of its topic on every node, this one
 * included. Engines: memory (one process; this file's MemoryBus) and, later,
 * Redis or NATS, which deliver through the broker.
 */
export interface MessageBus {
  /** The engine's name, for logs and the dashboard: "memory", "redis", ... */
  readonly engine: string;
  /** Publishes `message` (JSON-safe) on `topic`. Rejects when the engine cannot take it (a lost broker). */
  publish(topic: string, message: unknown): Promise<void>;
  /** Calls `handler` with every message published on `topic`; returns the unsubscribe. */
  subscribe(topic: string, handler: BusHandler): () => void;
  close(): Promise<void>;
}

/**
 * The in-process engine: a publish is delivered to the subscribers at once,
 * in order, before publish() returns. A subscriber that throws is reported to
 * `onError` and the others still get the message.
 */
export class MemoryBus implements MessageBus {
  readonly engine = "memory";
  private readonly topics = new Map<string, Set<BusHandler>>();

  constructor(private readonly onError: (topic: string, error: unknown) => void) {}

  publish(topic: string, message: unknown): Promise<void> {
    for (const handler of this.topics.get(topic) ?? []) {
      try {
        handler(message);
      } catch (error) {
        this.onError(topic, error);
      }
    }
    return Promise.resolve();
  }

  subscribe(topic: string, handler: BusHandler): () => void {
    let set = this.topics.get(topic);
    if (!set) this.topics.set(topic, (set = new Set()));
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0 && this.topics.get(topic) === set) this.topics.delete(topic);
    };
  }

  close(): Promise<void> {
    this.topics.clear();
    return Promise.resolve();
  }
}
