import { OWN_PREFIX, type MessageBus, type RawSubscription } from "../../bus/message-bus.js";
import type { Logger } from "../../log/logger.js";
import type { OpContext } from "../../ops/capability.js";
import { eventKey, eventsChannel, readEventMessage } from "./channel.js";
import { EventsKinds, EventsLimits, RELOADED_MESSAGE, TIMEOUT_MESSAGE } from "./ops-names.js";
import { readWireFrame, wireChannel, wireFrame, wireId } from "./wire.js";
import { RetainQuota } from "./retain-quota.js";

type Module = OpContext["module"];

/** One pending on(): settled once, by an emit, its own timeout, or its module's reload. */
interface Waiter {
  readonly module: Module;
  readonly project: string;
  readonly key: string;
  /** The server-events channel "<name>:<id>" it listens on, in a project in compatibility mode. */
  readonly wire: string | undefined;
  readonly resolve: (args: string) => void;
  readonly reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
  done: boolean;
}

/** What the host holds for net/v4/events on this node: counts for tests and the dashboard. */
export interface EventHubStats {
  /** Pending on() calls of every module. */
  readonly waiters: number;
  /** Channels this node subscribes to for events: projects' events channels and server-events channels. */
  readonly channels: number;
  /** Frames on server-events channels that were not events and were dropped (present once there is one). */
  readonly malformed?: number;
}

/** Dropped frames logged one by one before the log slows to one line per MALFORMED_LOG_MS. */
const MALFORMED_LOGGED = 10;
const MALFORMED_LOG_MS = 10_000;

/**
 * The host side of net/v4/events for one runtime. Waiters live in a map
 * project → (name, id) → waiters; a project's one engine channel is subscribed
 * while it has waiters on this node. Each waiter has its own host timer, so a
 * timeout rejects that waiter only, and every way out (emit, timeout, reload)
 * removes it from the maps: nothing is left behind.
 *
 * A project in server-events compatibility mode (`compat`) uses no engine
 * channel: each (name, id) waited for is the server-events channel
 * "<name>:<id>", subscribed while it has waiters here (refcounted by the
 * engine), and emits PUBLISH server-events' frame there (wire.ts).
 */
export class EventHub {
  private readonly byProject = new Map<string, Map<string, Set<Waiter>>>();
  private readonly byModule = new Map<Module, Set<Waiter>>();
  private readonly retainQuota = new RetainQuota();
  private readonly subscriptions = new Map<string, () => void>();
  /** Server-events channels held, by project and channel: the subscription and the waiters on it. */
  private readonly wires = new Map<string, { readonly sub: RawSubscription; count: number }>();
  private malformed = 0;
  private lastMalformedLog = 0;
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
    private readonly compat: ReadonlySet<string> = new Set(),
  ) {
    for (const project of compat) {
      log.info({ project }, `events: project "${project || "(root)"}" speaks the server-events wire format (channels "<name>:<id>", --server-events-compat)`);
    }
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
    return { waiters, channels: this.subscriptions.size + this.wires.size, ...(this.malformed > 0 ? { malformed: this.malformed } : {}) };
  }

  /** The module hears ready (at once when the engine is ready now) and errors, until it reloads. */
  watch(module: Module): void {
    this.track(module);
    this.watchers.add(module);
    if (this.readyCount > 0 && this.bus.status().state === "ready") module.enqueue(EventsKinds.ready, "", "", "", "", this.readyCount);
  }

  /**
   * Publishes an event of the module's project; with `retainMs`, its args are
   * also kept that long. In compatibility mode it is server-events' frame on
   * "<name>:<id>" only (so aerostat waiters hear it once, through Redis);
   * `numeric` says the script's id was a number, as the frame then carries it.
   */
  async emit(module: Module, name: string, id: string, args: string, retainMs: number | null, numeric = false): Promise<void> {
    const project = module.project;
    const wire = this.compat.has(project) ? this.wireOf("events.emit", name, id) : undefined;
    const channel = eventsChannel(project);
    if (retainMs !== null) {
      this.retainQuota.take(project, eventKey(name, id), args.length * 2, retainMs);
      await this.bus.retain(channel, eventKey(name, id), args, retainMs);
    }
    if (wire === undefined) return this.bus.publish(channel, { name, id, args });
    // A waiter of this node armed just before: its SUBSCRIBE is confirmed before the PUBLISH goes out on the other connection.
    await this.wires.get(wireKey(project, wire))?.sub.confirmed;
    await this.bus.publishRaw!(wire, wireFrame(name, wireId(id, numeric), args));
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
    const wire = this.compat.has(project) ? this.wireOf("events.on", name, id) : undefined;
    return new Promise<string>((resolve, reject) => {
      const waiter: Waiter = { module, project, key, wire, resolve, reject, timer: undefined, done: false };
      const armed = this.add(waiter);
      waiter.timer = setTimeout(() => this.settle(waiter, Object.assign(new Error(TIMEOUT_MESSAGE), { name: "TimeoutError" })), timeoutMs);
      waiter.timer.unref();
      // After the engine confirmed the channel's subscription: a retained event emitted meanwhile is found then.
      const channel = eventsChannel(project);
      armed.then(() => (waiter.done ? undefined : this.bus.retained(channel, key))).then(
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
    for (const held of this.wires.values()) held.sub.unsubscribe();
    this.wires.clear();
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

  /** A frame on a server-events channel of a project in compatibility mode: the waiters of its (name, id) get its args. */
  private deliverWire(project: string, wire: string, text: string): void {
    const ev = readWireFrame(wire, text);
    if ("problem" in ev) {
      this.malformed++;
      const now = Date.now();
      if (this.malformed <= MALFORMED_LOGGED || now - this.lastMalformedLog >= MALFORMED_LOG_MS) {
        this.lastMalformedLog = now;
        this.log.warn(
          { project, channel: wire, dropped: this.malformed },
          `events: dropped a message on the server-events channel "${wire.slice(0, 120)}" of "${project}": ${ev.problem} (server-events sends JSON [name, id, ...args])`,
        );
      }
      return;
    }
    const waiters = this.byProject.get(project)?.get(eventKey(ev.name, ev.id));
    if (!waiters) return;
    for (const w of [...waiters]) this.settle(w, undefined, ev.args);
  }

  /** The server-events channel of (name, id); a TypeError when it is a name of aerostat's own or the engine cannot carry it. */
  private wireOf(api: string, name: string, id: string): string {
    const wire = wireChannel(name, id);
    if (wire.startsWith(OWN_PREFIX)) {
      throw new TypeError(`${api}: the server-events channel "${wire.slice(0, 120)}" starts with "${OWN_PREFIX}", which aerostat keeps for its own channels; use another event name`);
    }
    if (!this.bus.publishRaw || !this.bus.subscribeRaw) {
      throw new TypeError(`${api}: the ${this.bus.engine} engine cannot speak the server-events wire format (--server-events-compat needs --engine redis)`);
    }
    return wire;
  }

  private settle(waiter: Waiter, error: Error | undefined, args?: string): void {
    if (waiter.done) return;
    waiter.done = true;
    clearTimeout(waiter.timer);
    this.remove(waiter);
    if (error) waiter.reject(error);
    else waiter.resolve(args ?? "[]");
  }

  /** Puts the waiter in the maps and holds its channel; resolves once the engine confirmed that channel's subscription. */
  private add(w: Waiter): Promise<void> {
    this.track(w.module);
    const project = w.project;
    let keys = this.byProject.get(project);
    if (!keys) {
      this.byProject.set(project, (keys = new Map()));
      if (w.wire === undefined) this.subscriptions.set(project, this.bus.subscribe(eventsChannel(project), (m) => this.deliver(project, m)));
    }
    let set = keys.get(w.key);
    if (!set) keys.set(w.key, (set = new Set()));
    set.add(w);
    let own = this.byModule.get(w.module);
    if (!own) this.byModule.set(w.module, (own = new Set()));
    own.add(w);
    if (w.wire === undefined) return this.bus.subscribed ? this.bus.subscribed(eventsChannel(project)) : Promise.resolve();
    const wire = w.wire;
    let held = this.wires.get(wireKey(project, wire));
    if (!held) this.wires.set(wireKey(project, wire), (held = { sub: this.bus.subscribeRaw!(wire, (text) => this.deliverWire(project, wire, text)), count: 0 }));
    held.count++;
    return held.sub.confirmed;
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
    const held = w.wire === undefined ? undefined : this.wires.get(wireKey(w.project, w.wire));
    if (held && --held.count === 0) {
      this.wires.delete(wireKey(w.project, w.wire!));
      held.sub.unsubscribe();
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

/** The key of a project's server-events channel in the hub's map. */
function wireKey(project: string, wire: string): string {
  return `${project}\u0000${wire}`;
}

const hubs = new WeakMap<MessageBus, EventHub>();

/** The hub of the runtime that owns `bus` (made by the capability's setup). */
export function hubOf(bus: MessageBus): EventHub {
  const hub = hubs.get(bus);
  if (!hub) throw new Error("net/v4/events is not set up on this server");
  return hub;
}

/** Makes the runtime's hub (`compat`: projects in server-events compatibility mode); returns its teardown. */
export function startHub(bus: MessageBus, log: Logger, compat: ReadonlySet<string> = new Set()): () => void {
  const hub = new EventHub(bus, log, compat);
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
