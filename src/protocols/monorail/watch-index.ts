import type { BusChannel, MessageBus } from "../../bus/message-bus.js";
import type { Logger } from "../../log/logger.js";
import { sharedTextFrame, type SharedTextFrame } from "../../peers/peer.js";
import type { TrafficMeter } from "../../peers/traffic.js";
import { MONORAIL_FILTER_HOOK } from "../../protocol/monorail.js";
import type { HandlerModule } from "../../sandbox/handler-module.js";
import { itemFrame, listFrame } from "./frames.js";

/** What travels through the engine for a change: the frame kind and the JSON text of its fields. */
export interface ChangeMessage {
  readonly h: "item" | "remove" | "list";
  readonly p: string;
}

/** A connection as the index sees it: something that takes frames, served by a handler module. */
export interface WatchingConnection {
  readonly id: string;
  readonly module: HandlerModule;
  readonly hookTimeoutMs: number;
  send(frame: SharedTextFrame): boolean;
}

/** One watcher: a connection, a resource and the canonical JSON of its params. */
export interface Watcher {
  readonly connection: WatchingConnection;
  readonly resource: string;
  readonly key: string;
  readonly params: unknown;
  /** Whether the resource has a filter() to ask about each change (while the watch is set up, not known yet: asked). */
  filter: boolean;
  /**
   * While the watch is set up (its watch() asked for the initial list): the
   * frames that reached it meanwhile, sent after that list. Undefined once set up.
   */
  held?: SharedTextFrame[];
}

/** A change waiting for filter answers, or for the changes before it. */
interface Waiting {
  readonly frame: SharedTextFrame;
  readonly watchers: readonly Watcher[];
  /** The change as filter() sees it, when some watcher has a filter to ask. */
  readonly change: unknown;
}

interface Entry {
  readonly watchers: Set<Watcher>;
  readonly unsubscribe: () => void;
  /** Changes whose delivery waits for filter answers, oldest first: a later change waits for them. */
  readonly waiting: Waiting[];
  /** Whether the waiting changes are being delivered. */
  draining: boolean;
  /** Changes dropped since the last log line about it, and when that was. */
  dropped: number;
  droppedLoggedAt: number;
}

/**
 * Changes of one resource that may wait for filter() on this node; past it
 * the oldest waiting is dropped, so a filter slower than the changes cannot
 * make them pile up without end.
 */
export const MAX_WAITING_CHANGES = 1000;

/** At most one log line about dropped changes per resource in this time (the count is summed up). */
const DROPPED_LOG_INTERVAL_MS = 10_000;

/** The engine channel of a project's resource. */
export function resourceChannel(project: string, resource: string): BusChannel {
  return { project, kind: "mr", name: resource };
}

/**
 * This node's MonoRail watchers by project and resource. The engine
 * subscription of a resource exists while it has watchers here, so a change
 * published on any node reaches them. A change goes once to each connection
 * that has a watcher it passes (a connection watching one resource with two
 * params gets it once), in the order the changes came.
 */
export class WatchIndex {
  private readonly entries = new Map<string, Map<string, Entry>>();

  constructor(
    private readonly bus: MessageBus,
    private readonly traffic: TrafficMeter,
    private readonly log: Logger,
  ) {}

  add(project: string, w: Watcher): void {
    let resources = this.entries.get(project);
    if (!resources) this.entries.set(project, (resources = new Map()));
    let e = resources.get(w.resource);
    if (!e) {
      const unsubscribe = this.bus.subscribe(resourceChannel(project, w.resource), (m) => this.received(project, w.resource, m));
      resources.set(w.resource, (e = { watchers: new Set(), unsubscribe, waiting: [], draining: false, dropped: 0, droppedLoggedAt: 0 }));
    }
    e.watchers.add(w);
  }

  remove(project: string, w: Watcher): void {
    const resources = this.entries.get(project);
    const e = resources?.get(w.resource);
    if (!e || !e.watchers.delete(w) || e.watchers.size > 0) return;
    e.unsubscribe();
    resources!.delete(w.resource);
    if (resources!.size === 0) this.entries.delete(project);
  }

  /** Resolves once the engine confirmed the resource's subscription (changes after that reach this node). */
  confirmed(project: string, resource: string): Promise<void> {
    return this.bus.subscribed?.(resourceChannel(project, resource)) ?? Promise.resolve();
  }

  /** The connections on this node watching `resource` of `project` (or being set up to). */
  connections(project: string, resource: string): Set<WatchingConnection> {
    return new Set([...(this.entries.get(project)?.get(resource)?.watchers ?? [])].map((w) => w.connection));
  }

  /** Watchers on this node, for tests and the dashboard. */
  count(project?: string): number {
    let n = 0;
    for (const [p, resources] of this.entries) {
      if (project !== undefined && p !== project) continue;
      for (const e of resources.values()) n += e.watchers.size;
    }
    return n;
  }

  private received(project: string, resource: string, raw: unknown): void {
    const e = this.entries.get(project)?.get(resource);
    if (!e) return;
    const m = raw as ChangeMessage;
    let fields: Record<string, unknown>;
    let frame: SharedTextFrame;
    try {
      if (!m || (m.h !== "item" && m.h !== "remove" && m.h !== "list") || typeof m.p !== "string") throw new Error("not a change");
      fields = JSON.parse(m.p) as Record<string, unknown>;
      frame = sharedTextFrame(
        m.h === "list" ? listFrame(resource, JSON.stringify(fields["items"] ?? [])) : itemFrame(m.h, resource, JSON.stringify(fields["id"] ?? null), JSON.stringify(fields["data"] ?? null)),
      );
    } catch {
      this.log.warn({ project, resource }, `a message for MonoRail resource "${resource}" was not a change; dropped`);
      return;
    }
    const watchers = [...e.watchers];
    const filtered = m.h !== "list" && watchers.some((w) => w.filter);
    if (!filtered && !e.draining) {
      this.send(watchers, frame);
      return;
    }
    e.waiting.push({ frame, watchers, change: filtered ? { handler: m.h, id: fields["id"] ?? null, data: fields["data"] ?? null } : undefined });
    if (e.waiting.length > MAX_WAITING_CHANGES) {
      e.waiting.shift();
      e.dropped++;
      if (Date.now() - e.droppedLoggedAt >= DROPPED_LOG_INTERVAL_MS) this.logDropped(project, resource, e);
    }
    if (!e.draining) void this.drain(project, resource, e);
  }

  /** Delivers the waiting changes of a resource in order, each once filter() answered about it. */
  private async drain(project: string, resource: string, e: Entry): Promise<void> {
    e.draining = true;
    try {
      for (let next = e.waiting.shift(); next; next = e.waiting.shift()) {
        try {
          const passing = next.change !== undefined ? await this.filter(resource, next.watchers, next.change) : next.watchers;
          this.send(passing, next.frame);
        } catch (error) {
          this.log.error({ project, resource, err: error }, `delivering a change of MonoRail resource "${resource}" failed`);
        }
      }
    } finally {
      e.draining = false;
      if (e.dropped > 0) this.logDropped(project, resource, e);
    }
  }

  private logDropped(project: string, resource: string, e: Entry): void {
    this.log.warn(
      { project, resource, dropped: e.dropped },
      `MonoRail resource "${resource}": ${e.dropped} change(s) dropped, the oldest of more than ${MAX_WAITING_CHANGES} waiting for filter(), which answers more slowly than changes come; its watchers missed them`,
    );
    e.dropped = 0;
    e.droppedLoggedAt = Date.now();
  }

  /**
   * One frame to each connection among `watchers` (still watching when it
   * goes out); a connection whose only watchers here are being set up has it
   * held by one of them, to follow the initial list.
   */
  private send(watchers: readonly Watcher[], frame: SharedTextFrame): void {
    const done = new Set<WatchingConnection>();
    let sent = 0;
    for (const w of watchers) {
      if (w.held || done.has(w.connection)) continue;
      done.add(w.connection);
      if (w.connection.send(frame)) sent++;
    }
    for (const w of watchers) {
      if (!w.held || done.has(w.connection)) continue;
      done.add(w.connection);
      w.held.push(frame);
      if (w.held.length > MAX_WAITING_CHANGES) w.held.shift();
    }
    if (sent > 0) this.traffic.countOut(sent);
  }

  /**
   * The watchers the change passes: those without a filter, and those whose
   * resource's filter() says yes, asked once per handler module with the
   * distinct params of its watchers. A module that cannot answer lets nothing through.
   */
  private async filter(resource: string, watchers: readonly Watcher[], change: unknown): Promise<Watcher[]> {
    // Each module's distinct keys, by their place in the params it is asked about.
    const byModule = new Map<HandlerModule, { keys: Map<string, number>; params: unknown[]; timeoutMs: number }>();
    for (const w of watchers) {
      if (!w.filter) continue;
      let asked = byModule.get(w.connection.module);
      if (!asked) byModule.set(w.connection.module, (asked = { keys: new Map(), params: [], timeoutMs: w.connection.hookTimeoutMs }));
      if (asked.keys.has(w.key)) continue;
      asked.keys.set(w.key, asked.params.length);
      asked.params.push(w.params);
    }
    const passes = new Map<HandlerModule, Set<string>>();
    await Promise.all(
      [...byModule].map(async ([module, asked]) => {
        const yes = new Set<string>();
        passes.set(module, yes);
        try {
          const answer = await module.request(MONORAIL_FILTER_HOOK, [resource, asked.params, change], asked.timeoutMs);
          if (Array.isArray(answer)) for (const [k, i] of asked.keys) if (answer[i] === true) yes.add(k);
        } catch (error) {
          if (module.logBudget.take()) this.log.warn({ handler: module.key, resource, err: error }, `filter() of MonoRail resource "${resource}" could not answer; the change went to none of its watchers on ${module.key}`);
        }
      }),
    );
    return watchers.filter((w) => !w.filter || passes.get(w.connection.module)?.has(w.key));
  }
}
