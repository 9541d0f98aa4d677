import type { WebSocket } from "ws";
import type { BusChannel, MessageBus } from "../../bus/message-bus.js";
import type { EvqOptions } from "../../config/evqueue-options.js";
import type { Logger } from "../../log/logger.js";
import { RateLimitedLog } from "../../log/rate-limited.js";
import type { EvqService } from "../../ops/evqueue-service.js";
import { registerSession, type SessionStart } from "../../peers/accept-session.js";
import { closeSessionsLogged } from "../../peers/close-sessions.js";
import { CloseCodes } from "../../protocol/close-codes.js";
import type { Session, SessionRegistry } from "../../peers/sessions.js";
import { EVENT_NAME, EVQ_STANDARD_EVENTS } from "../../protocol/evqueue.js";
import type { HandlerModule } from "../../sandbox/handler-module.js";
import { AskBudget } from "../../peers/ask-budget.js";
import { AuthFailures } from "./auth-failures.js";
import type { EventsContext } from "./events-mode.js";
import { EvqSession, type EvqContext } from "./session.js";
import { newCounters, type EvqCounters, type EvqEndpointStats } from "./stats.js";
import { eventChannel, SubscriptionIndex, type EventMessage } from "./subscriptions.js";

/** Names one handler module may register with registerEvents(), in all. */
export const MAX_REGISTERED_EVENTS = 10_000;

const STANDARD: ReadonlySet<string> = new Set(EVQ_STANDARD_EVENTS);

export interface EvqGatewayDeps {
  readonly sessions: SessionRegistry;
  readonly bus: MessageBus;
  readonly log: Logger;
  /** The node's name in frames: --node-name, or the host name. */
  readonly node: string;
  /** How long a client has to answer the sign-in challenge. */
  readonly authTimeoutMs: number;
}

/**
 * This node's evQueue connections: accepts them (EvqSession keeps each one's
 * sign-in, replies and subscriptions), holds the subscription index events
 * from every node are delivered through, the names each handler registered,
 * the failed sign-ins per address, and offers net/v4/evqueue createEvent.
 */
/** Event types listed per endpoint in its stats (the most subscribed). */
const TYPES_LISTED = 20;

export class EvqGateway implements EvqService {
  readonly index: SubscriptionIndex;
  private readonly byId = new Map<string, EvqSession>();
  /** Names each module registered, with the context generation of the code that did (older ones no longer count). */
  private readonly registered = new Map<HandlerModule, { readonly generation: number; readonly names: Set<string> }>();
  /** Modules whose reloads are watched for a newly exported onAuth. */
  private readonly watched = new WeakSet<HandlerModule>();
  private readonly counters = new Map<string, EvqCounters>();
  /** The descriptor's event names as a set, per options object (options change only by remount). */
  private readonly optionEvents = new WeakMap<EvqOptions, ReadonlySet<string>>();
  private readonly ctx: EvqContext;
  private readonly stopWatch: () => void;

  constructor(private readonly deps: EvqGatewayDeps) {
    this.index = new SubscriptionIndex(deps.bus, deps.log);
    this.ctx = {
      node: deps.node,
      log: deps.log,
      asks: new AskBudget(),
      authFailures: new AuthFailures(),
      authLog: new RateLimitedLog(deps.log, "failed evQueue sign-ins"),
      bugLog: new RateLimitedLog(deps.log, "evQueue frames the server could not handle"),
      authTimeoutMs: deps.authTimeoutMs,
    };
    // Redis pub/sub is at-most-once: events raised while the engine was away are lost.
    this.stopWatch = deps.bus.watch({ gap: (channels) => this.missed(channels) });
  }

  /** Registers an accepted socket of an evqueue endpoint; its frames go through the protocol. */
  accept(socket: WebSocket, endpoint: string, module: HandlerModule, options: EvqOptions, start: SessionStart): Session {
    const sessions = this.deps.sessions;
    const session = registerSession(socket, endpoint, module, sessions, start);
    let counters = this.counters.get(endpoint);
    if (!counters) this.counters.set(endpoint, (counters = newCounters()));
    const events: EventsContext = { index: this.index, accepts: (type) => this.accepts(module, options, type) };
    const s = new EvqSession(session, module, options, counters, this.ctx, events);
    this.byId.set(session.id, s);
    this.watch(module);
    socket.on("close", () => {
      this.byId.delete(session.id);
      sessions.remove(session.id);
    });
    return session;
  }

  /**
   * Each time `module` serves new code (a reload, a sandbox restart): the
   * names older code registered go; and when it starts exporting onAuth, its
   * connections that came in without a sign-in are closed (1012): they
   * reconnect and sign in.
   */
  private watch(module: HandlerModule): void {
    if (this.watched.has(module)) return;
    this.watched.add(module);
    module.onServing(() => {
      this.namesOf(module);
      const open = [...this.byId.values()].filter((s) => s.module === module && s.mustSignIn);
      if (open.length === 0) return;
      closeSessionsLogged(open.map((s) => s.session), CloseCodes.serviceRestart, "sign-in required now; reconnect", this.deps.log, `evQueue endpoints of ${module.key}`, { handler: module.key });
    });
  }

  /** Whether a client of an endpoint served by `module` with `options` may subscribe to `type`. */
  accepts(module: HandlerModule, options: EvqOptions, type: string): boolean {
    if (!EVENT_NAME.test(type)) return false;
    if (options.standardEvents && STANDARD.has(type)) return true;
    let named = this.optionEvents.get(options);
    if (!named) this.optionEvents.set(options, (named = new Set(options.events)));
    return named.has(type) || (this.namesOf(module)?.has(type) ?? false);
  }

  /**
   * The names the code serving `module` now registered: none while no code
   * serves it (its sandbox restarting, or disabled); those of older code are
   * forgotten here.
   */
  private namesOf(module: HandlerModule): Set<string> | undefined {
    const entry = this.registered.get(module);
    if (entry && entry.generation !== module.contextGeneration) {
      this.registered.delete(module);
      return undefined;
    }
    return module.currentContext === undefined ? undefined : entry?.names;
  }

  registerEvents(module: HandlerModule, names: readonly string[]): void {
    let set = this.namesOf(module);
    if (!set) {
      this.registered.set(module, { generation: module.contextGeneration, names: (set = new Set()) });
      // The names belong to the code that registered them: new code registers again. (A sandbox restart
      // replaces the code without a release: the generation tells, see namesOf.)
      module.onRelease(() => this.registered.delete(module));
    }
    const fresh = names.filter((n) => !set.has(n));
    if (set.size + fresh.length > MAX_REGISTERED_EVENTS) {
      throw new RangeError(`evqueue.registerEvents(names): a handler may register at most ${MAX_REGISTERED_EVENTS} event names; ${module.key} has ${set.size}`);
    }
    for (const n of fresh) set.add(n);
  }

  async createEvent(project: string, type: string, objectId: number): Promise<number> {
    const message: EventMessage = { o: objectId };
    await this.deps.bus.publish(eventChannel(project, type), message);
    return 0;
  }

  /**
   * Events of these channels may have been lost while the engine was away:
   * each subscription on this node to one of those types gets one event about
   * no one object ("0"), through its throttling, so its client refreshes.
   */
  private missed(channels: readonly BusChannel[]): void {
    const lost = channels.filter((c) => c.kind === "evq");
    if (lost.length === 0) return;
    let count = 0;
    for (const c of lost) {
      for (const sub of this.index.subscriptionsOf(c.project, c.name)) {
        count++;
        try {
          sub.owner.offer(sub, 0);
        } catch (error) {
          this.deps.log.error({ project: c.project, type: c.name, session: sub.owner.id, err: error }, `offering evQueue event ${c.name} to ${sub.owner.id} after an engine gap failed`);
        }
      }
    }
    const names = `${lost.map((c) => c.name).slice(0, 5).join(", ")}${lost.length > 5 ? ", …" : ""}`;
    this.deps.log.warn(
      { types: lost.map((c) => `${c.project}/${c.name}`).slice(0, 20), subscriptions: count },
      `evQueue: events of ${lost.length} subscribed type(s) may have been lost while the engine was away (${names}); ${count} subscription(s) get an event with object-id 0 so their clients refresh`,
    );
  }

  /** An evQueue connection on this node. */
  connection(id: string): EvqSession | undefined {
    return this.byId.get(id);
  }

  /** Per endpoint among `endpoints` (and any other with open connections): connections by mode, subscriptions and counters. */
  stats(endpoints: readonly string[]): EvqEndpointStats[] {
    const rows = new Map<string, { api: number; events: number }>();
    for (const e of endpoints) rows.set(e, { api: 0, events: 0 });
    for (const s of this.byId.values()) {
      let row = rows.get(s.endpoint);
      if (!row) rows.set(s.endpoint, (row = { api: 0, events: 0 }));
      row[s.mode]++;
    }
    // Counters of endpoints no longer mounted and without connections are forgotten.
    for (const e of this.counters.keys()) if (!rows.has(e)) this.counters.delete(e);
    return [...rows].map(([endpoint, row]) => ({
      endpoint,
      ...row,
      subscriptions: this.index.countOf(endpoint),
      byType: this.index.typeCountsOf(endpoint, TYPES_LISTED),
      ...(this.counters.get(endpoint) ?? newCounters()),
    }));
  }

  /** Stops watching the engine (the runtime stops). */
  close(): void {
    this.stopWatch();
  }
}
