import type { createClient } from "redis";

/** A node-redis client (one server, not a cluster). */
export type RedisClient = ReturnType<typeof createClient>;

/** What the subscriber connection tells the engine. */
export interface SubscriberEvents {
  /** A message arrived on a subscribed channel (wire name). */
  message(name: string, text: string): void;
  /** Connected and every channel is subscribed; `again` after a reconnect (messages may have been lost). */
  ready(again: boolean): void;
  /** The connection failed or went silent; it reconnects by itself. */
  down(error: Error): void;
}

/**
 * The subscriber connection of the redis engine. It keeps its own set of
 * channels and, whenever the connection becomes ready, makes sure each is
 * subscribed (node-redis resubscribes too, but not a channel whose SUBSCRIBE
 * was lost with the connection). A PING every `pingMs` that gets no answer
 * within `pingTimeoutMs` means the connection dropped silently: it is
 * replaced by a fresh one.
 */
export class RedisSubscriber {
  private client: RedisClient | undefined;
  private readonly names = new Set<string>();
  private everReady = false;
  private pingTimer: NodeJS.Timeout | undefined;
  private pinging = false;
  private closed = false;
  private readonly listener = (text: string, name: string) => this.events.message(name, text);

  constructor(
    private readonly make: () => RedisClient,
    private readonly events: SubscriberEvents,
    private readonly pingMs: number,
    private readonly pingTimeoutMs: number,
  ) {}

  /** Connects (rejects when the first connection fails) and starts the health check. */
  async start(): Promise<void> {
    const client = this.attach(this.make());
    this.client = client;
    await client.connect();
    this.pingTimer = setInterval(() => void this.check(), this.pingMs);
    this.pingTimer.unref();
  }

  get ready(): boolean {
    return this.client?.isReady === true;
  }

  /** Subscribes to `name` now (resolving once Redis confirmed it), or when the connection is next ready. */
  add(name: string): Promise<void> {
    this.names.add(name);
    if (!this.client?.isReady) return Promise.resolve();
    return this.client.subscribe(name, this.listener).then(
      () => undefined,
      () => undefined,
    );
  }

  remove(name: string): void {
    this.names.delete(name);
    if (this.client?.isReady) this.client.unsubscribe(name, this.listener).catch(() => undefined);
  }

  /** The channels this engine holds (wire names). */
  channels(): readonly string[] {
    return [...this.names];
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pingTimer);
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if (client.isReady) await client.close().catch(() => client.destroy());
    else if (client.isOpen) client.destroy();
  }

  /** Follows a client's events while it is the current one; its 'error' is always handled, so it never crashes the host. */
  private attach(client: RedisClient): RedisClient {
    client.on("error", (error: Error) => {
      if (this.client === client && !this.closed) this.events.down(error);
    });
    client.on("ready", () => {
      if (this.client === client && !this.closed) void this.resubscribe(client);
    });
    return client;
  }

  private async resubscribe(client: RedisClient): Promise<void> {
    const again = this.everReady;
    this.everReady = true;
    try {
      // Channels node-redis already holds send nothing; the others are subscribed now.
      if (this.names.size > 0) await client.subscribe([...this.names], this.listener);
      // Channels given up while the connection was down, which node-redis subscribed again.
      const stale = [...client.getPubSubListeners("CHANNELS").keys()].filter((name) => !this.names.has(name));
      if (stale.length > 0) await client.unsubscribe(stale, this.listener);
    } catch (error) {
      // The connection went away again; the next 'ready' tries again.
      if (this.client === client) this.events.down(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (this.client === client && !this.closed) this.events.ready(again);
  }

  /** PING on the subscriber connection; no answer in time means a silent drop. */
  private async check(): Promise<void> {
    const client = this.client;
    if (!client?.isReady || this.pinging || this.closed) return;
    this.pinging = true;
    let timer: NodeJS.Timeout | undefined;
    const silent = new Promise<"silent">((resolve) => (timer = setTimeout(() => resolve("silent"), this.pingTimeoutMs)));
    const answer = await Promise.race([client.ping().then(() => "answered" as const, () => "failed" as const), silent]);
    clearTimeout(timer);
    this.pinging = false;
    if (answer !== "silent" || this.client !== client || this.closed) return;
    this.events.down(new Error(`no answer to PING within ${this.pingTimeoutMs} ms; reconnecting`));
    this.replace(client);
  }

  /** Drops a silent connection and opens a fresh one; its 'ready' subscribes every channel again. */
  private replace(old: RedisClient): void {
    const client = this.attach(this.make());
    this.client = client;
    old.destroy();
    client.connect().catch((error: unknown) => {
      if (this.client === client && !this.closed) this.events.down(error instanceof Error ? error : new Error(String(error)));
    });
  }
}
