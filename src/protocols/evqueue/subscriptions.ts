import type { BusChannel, MessageBus } from "../../bus/message-bus.js";
import type { Logger } from "../../log/logger.js";
import type { Query } from "./frames.js";

/** What travels through the engine for createEvent(type, objectId): the object id (0 for none). */
export interface EventMessage {
  readonly o: number;
}

/** The connection that holds subscriptions: it is offered the events that match them. */
export interface SubscriptionOwner {
  readonly id: string;
  /** An event matched `sub`: run its command for the client (or merge it, throttled). */
  offer(sub: Subscription, objectId: number): void;
}

/** One `<event action="subscribe" …/>` of a connection. */
export interface Subscription {
  readonly owner: SubscriptionOwner;
  readonly project: string;
  /** The endpoint of its connection. */
  readonly endpoint: string;
  readonly type: string;
  /** The object filter: events about this object only; 0 for any. */
  readonly objectId: number;
  /** The client's own number for it, echoed as external-id (0 when none). */
  readonly externalId: number;
  /** The api_cmd's XML text: the command re-run for each event, and its identity (one run in flight per command and connection). */
  readonly apiCmd: string;
  readonly query: Query;
  /** Throttling: the event-id sent (or queued) and not acked yet. */
  awaiting: number | undefined;
  /** Throttling: object ids of events that came while waiting for the ack, distinct, in order. */
  readonly merged: Set<string>;
}

/** The engine channel of a project's evQueue event type. */
export function eventChannel(project: string, type: string): BusChannel {
  return { project, kind: "evq", name: type };
}

interface Entry {
  readonly subscriptions: Set<Subscription>;
  readonly unsubscribe: () => void;
}

/**
 * This node's evQueue subscriptions by project and event type. The engine
 * subscription of a type exists while this node has subscriptions to it, so
 * an event raised on any node reaches them; each matching subscription (its
 * object filter 0 or equal) is offered to its connection.
 */
export class SubscriptionIndex {
  private readonly entries = new Map<string, Map<string, Entry>>();
  private total = 0;
  private readonly perEndpoint = new Map<string, number>();
  /** Subscriptions per endpoint and event type (the dashboard lists them). */
  private readonly perEndpointType = new Map<string, Map<string, number>>();

  constructor(
    private readonly bus: MessageBus,
    private readonly log: Logger,
  ) {}

  add(sub: Subscription): void {
    let types = this.entries.get(sub.project);
    if (!types) this.entries.set(sub.project, (types = new Map()));
    let e = types.get(sub.type);
    if (!e) {
      const unsubscribe = this.bus.subscribe(eventChannel(sub.project, sub.type), (m) => this.received(sub.project, sub.type, m));
      types.set(sub.type, (e = { subscriptions: new Set(), unsubscribe }));
    }
    if (e.subscriptions.has(sub)) return;
    e.subscriptions.add(sub);
    this.total++;
    this.perEndpoint.set(sub.endpoint, (this.perEndpoint.get(sub.endpoint) ?? 0) + 1);
    let byType = this.perEndpointType.get(sub.endpoint);
    if (!byType) this.perEndpointType.set(sub.endpoint, (byType = new Map()));
    byType.set(sub.type, (byType.get(sub.type) ?? 0) + 1);
  }

  remove(sub: Subscription): void {
    const types = this.entries.get(sub.project);
    const e = types?.get(sub.type);
    if (!e || !e.subscriptions.delete(sub)) return;
    this.total--;
    const left = (this.perEndpoint.get(sub.endpoint) ?? 1) - 1;
    if (left > 0) this.perEndpoint.set(sub.endpoint, left);
    else this.perEndpoint.delete(sub.endpoint);
    const byType = this.perEndpointType.get(sub.endpoint);
    const ofType = (byType?.get(sub.type) ?? 1) - 1;
    if (ofType > 0) byType!.set(sub.type, ofType);
    else byType?.delete(sub.type);
    if (byType?.size === 0) this.perEndpointType.delete(sub.endpoint);
    if (e.subscriptions.size > 0) return;
    e.unsubscribe();
    types!.delete(sub.type);
    if (types!.size === 0) this.entries.delete(sub.project);
  }

  /** Resolves once the engine confirmed the type's channel (events raised after that reach this node). */
  confirmed(project: string, type: string): Promise<void> {
    return this.bus.subscribed?.(eventChannel(project, type)) ?? Promise.resolve();
  }

  /** The subscriptions on this node to `type` of `project`. */
  subscriptionsOf(project: string, type: string): Subscription[] {
    return [...(this.entries.get(project)?.get(type)?.subscriptions ?? [])];
  }

  /** Subscriptions on this node. */
  get count(): number {
    return this.total;
  }

  /** Subscriptions on this node of an endpoint's connections. */
  countOf(endpoint: string): number {
    return this.perEndpoint.get(endpoint) ?? 0;
  }

  /** An endpoint's subscriptions on this node by event type, the most subscribed first (at most `max` types). */
  typeCountsOf(endpoint: string, max: number): { type: string; count: number }[] {
    const byType = this.perEndpointType.get(endpoint);
    if (!byType) return [];
    return [...byType].map(([type, count]) => ({ type, count })).sort((a, b) => b.count - a.count || (a.type < b.type ? -1 : 1)).slice(0, max);
  }

  /** Event types of a project with an engine subscription on this node (for tests and the dashboard). */
  typesOf(project: string): string[] {
    return [...(this.entries.get(project)?.keys() ?? [])];
  }

  private received(project: string, type: string, raw: unknown): void {
    const e = this.entries.get(project)?.get(type);
    if (!e) return;
    const o = (raw as EventMessage | null)?.o;
    if (typeof o !== "number" || !Number.isSafeInteger(o) || o < 0) {
      this.log.warn({ project, type }, `a message for evQueue event ${type} was not an event; dropped`);
      return;
    }
    for (const sub of [...e.subscriptions]) {
      if (sub.objectId !== 0 && sub.objectId !== o) continue;
      try {
        sub.owner.offer(sub, o);
      } catch (error) {
        this.log.error({ project, type, session: sub.owner.id, err: error }, `offering evQueue event ${type} to ${sub.owner.id} failed`);
      }
    }
  }
}
