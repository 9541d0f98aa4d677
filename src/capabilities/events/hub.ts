import type { MessageBus } from "../../bus/message-bus.js";
import type { Logger } from "../../log/logger.js";
import type { OpContext } from "../../ops/capability.js";
import { eventKey, eventsChannel, readEventMessage } from "./channel.js";
import { EventsKinds, EventsLimits, RELOADED_MESSAGE, TIMEOUT_MESSAGE } from "./ops-names.js";

type Module = OpContext["module"];

/** One pending on(): settled once, by an emit, its own timeout, or its module's reload. */
interface Waiter {
  readonly module: Module;
  readonly project: string;
  readonly key: string;
  readonly resolve: (args: string) => void;
  readonly reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
  done: boolean;
}

/** What the host holds for net/v4/events on this node: counts for tests and the dashboard. */
export interface EventHubStats {
  /** Pending on() calls of every module. */
  readonly waiters: number;
  /** Projects whose events channel this node subscribes to (those with waiters here). */
  readonly channels: number;
}

/**
 * The host side of net/v4/events for one runtime. Waiters live in a map
 * project → (name, id) → waiters; a project's one engine channel is subscribed
 * while it has waiters on this node. Each waiter has its own host timer, so a
 * timeout rejects that waiter only, and every way out (emit, timeout, reload)
 * removes it from the maps: nothing is left behind.
 */
export class EventHub {
  private readonly byProject = new Map<string, Map<string, Set<Waiter>>>();
  private readonly byModule = new Map<Module, Set<Waiter>>();
  private readonly subscriptions = new Map<string, () => void>();
  /** Modules told of ready and error (they called onready/onerror). */
  private readonly watchers = new Set<Module>();
  /** The release listener of each module the hub holds something of. */
  private readonly releases = new Map<Module, () => void>();
  /** Times the engine became ready (a module's onready callback runs once per time). */
  private readyCount = 0;
  private readonly stopWatch: () => void;

  constructor(
    private readonly bus: MessageBus,
    private readonly log: Logger,
  ) {
    this.stopWatch = bus.watch({
      ready: () => {
        this.readyCount++;
        for (const m of this.watchers) m.enqueue(EventsKinds.ready, "", "", "", "", this.readyCount);
      },
      error: (connection, error) => {
        const payload = JSON.stringify([connection === "publisher" ? "inputStore" : "outputStore", String(error?.message ?? error)]);
        for (const m of this.watchers) m.enqueue(EventsKinds.error, "", "", "", payload, 0);
      },
    });
  }

  stats(): EventHubStats {
    let waiters = 0;
    for (const set of this.byModule.values()) waiters += set.size;
    return { waiters, channels: this.subscriptions.size };
  }

  /** The module hears ready (at once when the engine is ready now) and errors, until it reloads. */
  watch(module: Module): void {
    this.track(module);
    this.watchers.add(module);
    if (this.readyCount > 0 && this.bus.status().state === "ready") module.enqueue(EventsKinds.ready, "", "", "", "", this.readyCount);
  }

  /** Publishes an event of the module's project; with `retainMs`, its args are also kept that long. */
  async emit(module: Module, name: string, id: string, args: string, retainMs: number | null): Promise<void> {
    const channel = eventsChannel(module.project);
    if (retainMs !== null) await this.bus.retain(channel, eventKey(name, id), args, retainMs);
    await this.bus.publish(channel, { name, id, args });
  }

  /**
   * Arms a waiter for (name, id) of the module's project, then (once the
   * engine confirmed the channel's subscription, where it can) looks for a
   * retained value, so an emit with retainMs that came first is not missed.
   * Resolves with the args as JSON text.
   */
  wait(module: Module, name: string, id: string, timeoutMs: number): Promise<string> {
    const own = this.byModule.get(module);
    if (own && own.size >= EventsLimits.maxWaitersPerModule) {
      throw new RangeError(
        `events.on: ${module.key} already waits for ${own.size} events (limit ${EventsLimits.maxWaitersPerModule}); let some settle or time out first`,
      );
    }
    const project = module.project;
    const key = eventKey(name, id);
    return new Promise<string>((resolve, reject) => {
      const waiter: Waiter = { module, project, key, resolve, reject, timer: undefined, done: false };
      this.add(waiter);
      waiter.timer = setTimeout(() => this.settle(waiter, Object.assign(new Error(TIMEOUT_MESSAGE), { name: "TimeoutError" })), timeoutMs);
      waiter.timer.unref();
      // After the engine confirmed the channel's subscription: a retained event emitted meanwhile is found then.
      const channel = eventsChannel(project);
      (this.bus.subscribed ? this.bus.subscribed(channel) : Promise.resolve()).then(() => (waiter.done ? undefined : this.bus.retained(channel, key))).then(
        (kept) => {
          if (kept !== undefined) this.settle(waiter, undefined, kept);
        },
        (error: unknown) => this.log.debug({ project, err: error }, `events: reading a retained event of "${project}" failed`),
      );
    });
  }

  /** Stops everything: waiters are rejected (their contexts are going too), subscriptions end. */
  close(): void {
    this.stopWatch();
    for (const set of [...this.byModule.values()]) for (const w of [...set]) this.settle(w, new Error("aerostat: the server is closing"));
    for (const unsubscribe of this.subscriptions.values()) unsubscribe();
    this.subscriptions.clear();
    for (const cancel of this.releases.values()) cancel();
    this.releases.clear();
    this.watchers.clear();
  }

  /** An event of `project` from the engine: every waiter of its (name, id) on this node gets its args. */
  private deliver(project: string, message: unknown): void {
    const ev = readEventMessage(message);
    if (!ev) {
      this.log.warn({ project }, `events: a message on the events channel of "${project}" is not an event; dropped`);
      return;
    }
    const waiters = this.byProject.get(project)?.get(eventKey(ev.name, ev.id));
    if (!waiters) return;
    for (const w of [...waiters]) this.settle(w, undefined, ev.args);
  }

  private settle(waiter: Waiter, error: Error | undefined, args?: string): void {
    if (waiter.done) return;
    waiter.done = true;
    clearTimeout(waiter.timer);
    this.remove(waiter);
    if (error) waiter.reject(error);
    else waiter.resolve(args ?? "[]");
  }

  private add(w: Waiter): void {
    this.track(w.module);
    let keys = this.byProject.get(w.project);
    if (!keys) {
      this.byProject.set(w.project, (keys = new Map()));
      const project = w.project;
      this.subscriptions.set(project, this.bus.subscribe(eventsChannel(project), (m) => this.deliver(project, m)));
    }
    let set = keys.get(w.key);
    if (!set) keys.set(w.key, (set = new Set()));
    set.add(w);
    let own = this.byModule.get(w.module);
    if (!own) this.byModule.set(w.module, (own = new Set()));
    own.add(w);
  }

  private remove(w: Waiter): void {
    const keys = this.byProject.get(w.project);
    const set = keys?.get(w.key);
    if (keys && set) {
      set.delete(w);
      if (set.size === 0) keys.delete(w.key);
      if (keys.size === 0) {
        this.byProject.delete(w.project);
        this.subscriptions.get(w.project)?.();
        this.subscriptions.delete(w.project);
      }
    }
    const own = this.byModule.get(w.module);
    if (own) {
      own.delete(w);
      if (own.size === 0) this.byModule.delete(w.module);
    }
    this.untrackIfIdle(w.module);
  }

  /** Listens for the module's reload or unload while the hub holds something of it. */
  private track(module: Module): void {
    if (this.releases.has(module)) return;
    this.releases.set(
      module,
      module.onRelease(() => {
        this.releases.delete(module);
        this.watchers.delete(module);
        for (const w of [...(this.byModule.get(module) ?? [])]) this.settle(w, new Error(RELOADED_MESSAGE));
      }),
    );
  }

  private untrackIfIdle(module: Module): void {
    if (this.byModule.has(module) || this.watchers.has(module)) return;
    this.releases.get(module)?.();
    this.releases.delete(module);
  }
}

const hubs = new WeakMap<MessageBus, EventHub>();

/** The hub of the runtime that owns `bus` (made by the capability's setup). */
export function hubOf(bus: MessageBus): EventHub {
  const hub = hubs.get(bus);
  if (!hub) throw new Error("net/v4/events is not set up on this server");
  return hub;
}

/** Makes the runtime's hub; returns its teardown. */
export function startHub(bus: MessageBus, log: Logger): () => void {
  const hub = new EventHub(bus, log);
  hubs.set(bus, hub);
  return () => {
    hub.close();
    hubs.delete(bus);
  };
}

/** The hub's counts for a runtime's bus, or undefined before setup. */
export function eventHubStats(bus: MessageBus): EventHubStats | undefined {
  return hubs.get(bus)?.stats();
}
