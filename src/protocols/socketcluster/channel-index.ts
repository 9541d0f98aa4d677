import type { BusChannel, MessageBus } from "../../bus/message-bus.js";
import type { Logger } from "../../log/logger.js";
import { sharedTextFrame } from "../../peers/peer.js";
import type { TrafficMeter } from "../../peers/traffic.js";
import type { HandlerModule } from "../../sandbox/handler-module.js";
import { publishFrame } from "./frames.js";

/** What travels on a channel through the engine: the data's JSON text, and session ids that must not get it. */
export interface ChannelMessage {
  /** The data, as JSON text. */
  readonly d: string;
  /** Session ids left out (publish's `except`). */
  readonly x?: readonly string[];
}

/** What a subscriber is: something that can take a `#publish` frame. */
export interface Subscriber {
  readonly id: string;
  send(frame: ReturnType<typeof sharedTextFrame>): boolean;
}

/** Event kind a listening module gets a publication as: where = channel, payload = {"data", "offset"?, "epoch"?} JSON. */
export const PUBLICATION_EVENT = "channels.publication";

interface Entry {
  readonly subscribers: Set<Subscriber>;
  readonly listeners: Set<HandlerModule>;
  readonly unsubscribe: () => void;
}

/** The engine channel of a socketcluster channel. */
export function busChannel(project: string, channel: string): BusChannel {
  return { project, kind: "ch", name: channel };
}

/** The presence key of a channel: subscribers per node, summed over the nodes. */
export function presenceKey(channel: string): string {
  return `ch:${channel}`;
}

/**
 * This node's channel subscriptions: per project and channel, the local
 * subscribers (socketcluster sessions) and the modules that listen(). The
 * engine subscription of a channel exists while it has either (so a publish
 * on any node reaches this one). A publication is encoded once and the same
 * bytes go to every subscriber.
 */
export class ChannelIndex {
  private readonly entries = new Map<string, Map<string, Entry>>();
  /** Modules that listen: the channels each listens to, and the stop of its release watch (a reload drops what it listened to). */
  private readonly listening = new Map<HandlerModule, { channels: Set<string>; stopWatch: () => void }>();

  constructor(
    private readonly bus: MessageBus,
    private readonly traffic: TrafficMeter,
    private readonly log: Logger,
  ) {}

  private entry(project: string, channel: string): Entry {
    let channels = this.entries.get(project);
    if (!channels) this.entries.set(project, (channels = new Map()));
    let e = channels.get(channel);
    if (!e) {
      const unsubscribe = this.bus.subscribe(busChannel(project, channel), (m) => this.deliver(project, channel, m));
      channels.set(channel, (e = { subscribers: new Set(), listeners: new Set(), unsubscribe }));
    }
    return e;
  }

  private release(project: string, channel: string, e: Entry): void {
    if (e.subscribers.size > 0 || e.listeners.size > 0) return;
    e.unsubscribe();
    const channels = this.entries.get(project);
    channels?.delete(channel);
    if (channels?.size === 0) this.entries.delete(project);
  }

  /** Resolves once the engine confirmed the channel's subscription (publications after that reach this node). */
  confirmed(project: string, channel: string): Promise<void> {
    return this.bus.subscribed?.(busChannel(project, channel)) ?? Promise.resolve();
  }

  add(project: string, channel: string, s: Subscriber): void {
    const e = this.entry(project, channel);
    if (e.subscribers.has(s)) return;
    e.subscribers.add(s);
    this.bus.presence(project, presenceKey(channel), 1);
  }

  remove(project: string, channel: string, s: Subscriber): void {
    const e = this.entries.get(project)?.get(channel);
    if (!e || !e.subscribers.delete(s)) return;
    this.bus.presence(project, presenceKey(channel), -1);
    this.release(project, channel, e);
  }

  listen(module: HandlerModule, channel: string): void {
    let own = this.listening.get(module);
    if (!own) {
      const stopWatch = module.onRelease(() => this.unlistenAll(module));
      this.listening.set(module, (own = { channels: new Set(), stopWatch }));
    }
    own.channels.add(channel);
    this.entry(module.project, channel).listeners.add(module);
  }

  unlisten(module: HandlerModule, channel: string): void {
    const own = this.listening.get(module);
    if (!own?.channels.delete(channel)) return;
    if (own.channels.size === 0) this.stopListening(module);
    this.dropListener(module, channel);
  }

  /** Every channel `module` listens to is dropped (it reloaded or went away). */
  unlistenAll(module: HandlerModule): void {
    const own = this.listening.get(module);
    if (!own) return;
    this.stopListening(module);
    for (const channel of own.channels) this.dropListener(module, channel);
  }

  /** How many channels `module` listens to. */
  listenCount(module: HandlerModule): number {
    return this.listening.get(module)?.channels.size ?? 0;
  }

  private stopListening(module: HandlerModule): void {
    this.listening.get(module)?.stopWatch();
    this.listening.delete(module);
  }

  private dropListener(module: HandlerModule, channel: string): void {
    const e = this.entries.get(module.project)?.get(channel);
    if (e?.listeners.delete(module)) this.release(module.project, channel, e);
  }

  /** Ids of this node's subscribers of a channel. */
  subscriberIds(project: string, channel: string): string[] {
    const e = this.entries.get(project)?.get(channel);
    return e ? [...e.subscribers].map((s) => s.id) : [];
  }

  /** Channels with local subscribers, per project, for the dashboard. */
  counts(): { project: string; channel: string; subscribers: number; listeners: number }[] {
    const out: { project: string; channel: string; subscribers: number; listeners: number }[] = [];
    for (const [project, channels] of this.entries) {
      for (const [channel, e] of channels) out.push({ project, channel, subscribers: e.subscribers.size, listeners: e.listeners.size });
    }
    return out;
  }

  /** A publication from the engine (any node): one frame to every local subscriber, an event to every listener. */
  private deliver(project: string, channel: string, raw: unknown): void {
    const e = this.entries.get(project)?.get(channel);
    if (!e) return;
    const kept = readKept(raw);
    const message = (kept ? kept.data : raw) as ChannelMessage;
    if (!message || typeof message.d !== "string") {
      this.log.warn({ project, channel }, `a message on channel "${channel}" was not a publication; dropped`);
      return;
    }
    const stamp = kept ? { offset: kept.offset, epoch: kept.epoch } : undefined;
    if (e.subscribers.size > 0) {
      const frame = sharedTextFrame(publishFrame(channel, message.d, stamp));
      const except = message.x && message.x.length > 0 ? new Set(message.x) : undefined;
      let sent = 0;
      for (const s of e.subscribers) if (!except?.has(s.id) && s.send(frame)) sent++;
      if (sent > 0) this.traffic.countOut(sent);
    }
    if (e.listeners.size > 0) {
      const extra = stamp ? `,"offset":${stamp.offset},"epoch":${JSON.stringify(stamp.epoch)}` : "";
      const payload = `{"data":${message.d}${extra}}`;
      for (const m of e.listeners) m.enqueue(PUBLICATION_EVENT, "", "", channel, payload, 0);
    }
  }
}

/** A message published with history: { offset, epoch, data }. */
function readKept(raw: unknown): { offset: number; epoch: string; data: unknown } | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const r = raw as Record<string, unknown>;
  return typeof r["offset"] === "number" && typeof r["epoch"] === "string" && "data" in r ? { offset: r["offset"], epoch: r["epoch"], data: r["data"] } : undefined;
}
