import type { EvqOptions } from "../../config/evqueue-options.js";
import { EvqErrorCodes } from "../../protocol/evqueue.js";
import { askApi, type ApiAsk } from "./api-call.js";
import { EventJobs, type EventJob } from "./event-jobs.js";
import { decodeApiCmd, koFrame, MAX_API_CMD_CHARS, MAX_FRAME_TAGS, MAX_HELD_FRAME_CHARS, queryOf, type ReplyExtras } from "./frames.js";
import type { EvqCounters } from "./stats.js";
import type { Subscription, SubscriptionIndex, SubscriptionOwner } from "./subscriptions.js";
import { ackEvent, offerEvent } from "./throttle.js";
import { parseXml, XmlError, type XmlNode } from "./xml.js";

/** Event runs one connection may have queued; past it the connection is closed (1013), as a client that never acks with throttling off would make them pile up. */
export const MAX_QUEUED_EVENTS = 4096;
/** Characters of api_cmd one connection's subscriptions may hold in all (each holds its command's text and tree); past it a subscribe is answered KO. */
export const MAX_API_CMD_TOTAL_CHARS = 1024 * 1024;

/** The connection an EventsMode serves. */
export interface EventsConnection {
  readonly id: string;
  readonly project: string;
  readonly endpoint: string;
  readonly options: EvqOptions;
  /** How onApi is asked for this connection. */
  readonly ask: ApiAsk;
  readonly counters: EvqCounters;
  send(frame: string): boolean;
  close(code: number, reason: string): void;
  /** Logs a problem of this connection within its handler's log budget. */
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** What the events mode of every connection shares. */
export interface EventsContext {
  readonly index: SubscriptionIndex;
  /** Whether a client of this connection's endpoint may subscribe to `type`. */
  accepts(type: string): boolean;
}

/** A non-negative integer attribute (absent: 0); undefined when it is not one. */
function whole(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return 0;
  return /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}

/** An error a subscribe or unsubscribe frame earns: a KO frame, the connection stays. */
class FrameRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly extras: ReplyExtras = {},
  ) {
    super(message);
  }
}

/**
 * One "events" connection's subscriptions: subscribe (with send_now),
 * ack, unsubscribe and unsubscribeall frames; the events offered to its
 * subscriptions, throttled and run through onApi in order; all of it gone
 * when the connection closes.
 */
export class EventsMode implements SubscriptionOwner {
  private readonly subs = new Set<Subscription>();
  /** Throttling: event-id → the subscription waiting for its ack. */
  private readonly awaiting = new Map<number, Subscription>();
  private readonly jobs: EventJobs;
  private nextEventId = 1;
  private closed = false;
  /** Characters of api_cmd this connection's subscriptions hold. */
  private apiCmdChars = 0;

  constructor(
    private readonly conn: EventsConnection,
    private readonly ctx: EventsContext,
  ) {
    this.jobs = new EventJobs(
      (job) => this.runJob(job),
      (job, frame) => {
        if (this.conn.send(frame)) this.conn.counters.eventsSent++;
      },
      (error) => this.conn.warn(`evQueue: an event for ${this.id} could not be run or sent: ${String((error as Error)?.message ?? error)}`),
      (heldChars) => {
        this.conn.warn(`evQueue connection ${this.id} has ${heldChars} characters of event frames waiting behind a slower event (at most ${MAX_HELD_FRAME_CHARS}); it is closed (1013) to reconnect and subscribe again`);
        this.conn.close(1013, "too many event bytes waiting behind a slow one; reconnect");
      },
    );
  }

  get id(): string {
    return this.conn.id;
  }

  get subscriptionCount(): number {
    return this.subs.size;
  }

  /** A frame of the client (parsed): what it asks, or a KO frame saying why not. */
  frame(root: XmlNode): void {
    if (this.closed) return;
    try {
      if (root.name !== "event") {
        throw new FrameRefusal(EvqErrorCodes.unknownCommand, `an "events" connection takes <event action="subscribe|ack|unsubscribe|unsubscribeall" …/> frames, not <${root.name}>; send commands on an "api" connection`);
      }
      const a = root.attributes;
      switch (a["action"]) {
        case "subscribe":
          return this.subscribe(a);
        case "ack":
          return this.ack(a);
        case "unsubscribe":
          return this.unsubscribe(a);
        case "unsubscribeall":
          return this.removeAll();
        default:
          throw new FrameRefusal(EvqErrorCodes.unknownCommand, `unknown event action ${JSON.stringify(a["action"] ?? "")}: use subscribe, ack, unsubscribe or unsubscribeall`);
      }
    } catch (error) {
      if (!(error instanceof FrameRefusal)) throw error;
      this.conn.send(koFrame(this.conn.ask.session.node, error.code, error.message, error.extras));
    }
  }

  private subscribe(a: Readonly<Record<string, string>>): void {
    const { invalidParameter } = EvqErrorCodes;
    const externalId = whole(a["external_id"]);
    if (externalId === undefined) throw new FrameRefusal(invalidParameter, `external_id must be a whole number, 0 or more; got ${JSON.stringify(a["external_id"]!.slice(0, 40))}`);
    const extras = { "external-id": externalId };
    const type = a["type"] ?? "";
    if (!this.ctx.accepts(type)) {
      throw new FrameRefusal(
        invalidParameter,
        `unknown event type ${JSON.stringify(type.slice(0, 128))}: subscribe to one of evQueue's standard events, a name of the descriptor's "evqueue.events", or one the handler registers with registerEvents()`,
        extras,
      );
    }
    const objectId = whole(a["object_id"]);
    if (objectId === undefined) throw new FrameRefusal(invalidParameter, "object_id must be a whole number, 0 or more (0: events about any object)", extras);
    const sendNow = a["send_now"] ?? "no";
    if (!["yes", "no", "true", "false", "1", "0"].includes(sendNow)) throw new FrameRefusal(invalidParameter, 'send_now must be "yes" or "no"', extras);
    let apiCmd: string;
    let command: XmlNode;
    try {
      apiCmd = decodeApiCmd(a["api_cmd"]);
    } catch (error) {
      if (!(error instanceof XmlError)) throw error;
      throw new FrameRefusal(invalidParameter, error.message, extras);
    }
    try {
      command = parseXml(apiCmd, MAX_API_CMD_CHARS, MAX_FRAME_TAGS);
    } catch (error) {
      if (!(error instanceof XmlError)) throw error;
      throw new FrameRefusal(invalidParameter, `api_cmd: ${error.message}`, extras);
    }
    let sub = [...this.subs].find((s) => s.type === type && s.objectId === objectId && s.externalId === externalId && s.apiCmd === apiCmd);
    if (!sub) {
      if (this.subs.size >= this.conn.options.maxSubscriptions) {
        throw new FrameRefusal(invalidParameter, `this connection holds ${this.conn.options.maxSubscriptions} subscriptions, the endpoint's evqueue.maxSubscriptions; unsubscribe some first`, extras);
      }
      if (this.apiCmdChars + apiCmd.length > MAX_API_CMD_TOTAL_CHARS) {
        throw new FrameRefusal(invalidParameter, `this connection's subscriptions hold ${this.apiCmdChars} characters of api_cmd, and this one's ${apiCmd.length} would pass the ${MAX_API_CMD_TOTAL_CHARS} a connection may hold; unsubscribe some first`, extras);
      }
      this.apiCmdChars += apiCmd.length;
      sub = { owner: this, project: this.conn.project, endpoint: this.conn.endpoint, type, objectId, externalId, apiCmd, query: queryOf(command), awaiting: undefined, merged: new Set() };
      this.subs.add(sub);
      this.ctx.index.add(sub);
    }
    // Once now, as an event about the filtered object (or none), after the engine confirmed the type's channel.
    if (sendNow === "yes" || sendNow === "true" || sendNow === "1") this.offerIds(sub, String(objectId), this.ctx.index.confirmed(sub.project, type));
  }

  /** An event matched one of this connection's subscriptions. */
  offer(sub: Subscription, objectId: number): void {
    this.offerIds(sub, String(objectId));
  }

  private offerIds(sub: Subscription, objectIds: string, gate?: Promise<void>): void {
    if (this.closed || !this.subs.has(sub)) return;
    const offered = offerEvent(sub, objectIds, this.conn.options.throttling);
    if ("run" in offered) return this.queue(sub, offered.run, gate);
    this.conn.counters.merged++;
    if (offered.overflow) this.conn.warn(`evQueue subscription to ${sub.type} (external-id ${sub.externalId}) of ${this.id} has more object ids waiting for the ack than it lists; the next event re-runs its command for all of them but names only the first`, { type: sub.type });
  }

  private queue(sub: Subscription, objectIds: string, gate?: Promise<void>): void {
    if (this.jobs.length >= MAX_QUEUED_EVENTS) {
      this.conn.warn(`evQueue connection ${this.id} has ${MAX_QUEUED_EVENTS} events waiting for onApi or unsent; it is closed (1013) to reconnect and subscribe again`);
      this.conn.close(1013, "too many events waiting; reconnect");
      return;
    }
    const eventId = this.nextEventId++;
    if (this.conn.options.throttling) {
      sub.awaiting = eventId;
      this.awaiting.set(eventId, sub);
    }
    this.jobs.push(sub, objectIds, eventId, gate);
  }

  private runJob(job: EventJob): Promise<string> {
    const { sub, objectIds, eventId } = job;
    const event = { type: sub.type, objectId: objectIds, externalId: sub.externalId, eventId };
    return askApi(this.conn.ask, sub.query, event, { "external-id": sub.externalId, "object-id": objectIds, "event-id": eventId }, () => !job.dropped);
  }

  private ack(a: Readonly<Record<string, string>>): void {
    const id = whole(a["event_id"]);
    const sub = id ? this.awaiting.get(id) : undefined;
    // An ack of an event not awaited (throttling off, unsubscribed meanwhile, or acked twice) changes nothing.
    if (!sub) return;
    this.awaiting.delete(id!);
    const next = ackEvent(sub);
    if (next !== undefined) this.queue(sub, next);
  }

  /** Upstream's rule: the subscriptions of `type` whose object filter equals object_id (0: only unfiltered ones) and whose external id matches (0: any). */
  private unsubscribe(a: Readonly<Record<string, string>>): void {
    const type = a["type"] ?? "";
    const externalId = whole(a["external_id"]);
    const objectId = whole(a["object_id"]);
    if (type === "" || externalId === undefined || objectId === undefined) {
      throw new FrameRefusal(EvqErrorCodes.invalidParameter, "unsubscribe needs type, and external_id and object_id (when given) as whole numbers");
    }
    for (const sub of [...this.subs]) {
      if (sub.type === type && sub.objectId === objectId && (externalId === 0 || sub.externalId === externalId)) this.remove(sub);
    }
  }

  private remove(sub: Subscription): void {
    if (!this.subs.delete(sub)) return;
    this.apiCmdChars -= sub.apiCmd.length;
    this.ctx.index.remove(sub);
    if (sub.awaiting !== undefined) this.awaiting.delete(sub.awaiting);
    sub.merged.clear();
    this.jobs.drop(sub);
  }

  private removeAll(): void {
    for (const sub of [...this.subs]) this.remove(sub);
  }

  /** The connection closed: every subscription and waiting event goes. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.removeAll();
    this.jobs.close();
  }
}
