import type { MonoRailOptions } from "../../config/monorail-options.js";
import type { Logger } from "../../log/logger.js";
import { toPayload } from "../../peers/feed.js";
import { ProtocolConnection } from "../../peers/protocol-connection.js";
import type { Session } from "../../peers/sessions.js";
import { EventKind } from "../../protocol/events.js";
import { MONORAIL_RESOURCE_HOOK, MonoRailErrors, MQ_RESOURCE } from "../../protocol/monorail.js";
import type { HandlerModule } from "../../sandbox/handler-module.js";
import type { AskBudget } from "../../peers/ask-budget.js";
import { askFailure, BusyError, isFault, type FrameError } from "./errors.js";
import { canonicalJson, errorFrame, itemFrame, listFrame, MAX_WATCH_PARAMS_CHARS, readFrame, sessionFrame, type ClientHandler } from "./frames.js";
import type { MqHub } from "./mq-hub.js";
import { mqTarget, type MqTarget } from "./mq-params.js";
import type { WatchIndex, Watcher, WatchingConnection } from "./watch-index.js";

/** Resource asks one connection may have waiting; past it, its reads pause until some answer. */
const MAX_IN_FLIGHT = 16;

/** What every MonoRail connection of this node shares. */
export interface MrContext {
  readonly index: WatchIndex;
  readonly mq: MqHub;
  readonly log: Logger;
  /** Asks in flight per handler module, across the node's connections. */
  readonly asks: AskBudget;
  /** The descriptor file of a mounted endpoint (project-relative), for messages that say what to edit. */
  readonly descriptorOf: (endpoint: string) => string | undefined;
}

/** A watch being set up (its resource's watch() is asked), or one in place. */
type Slot = { readonly state: "pending"; readonly watcher?: Watcher } | { readonly state: "watching"; readonly watcher?: Watcher; readonly stop?: () => void };

/**
 * One connection speaking MonoRail: routes its frames by handler, asks the
 * handler's resources (through net/v4/monorail's hook) and keeps its watchers
 * on the host, so a reload of the handler keeps them. init is answered here
 * with the connection's session id.
 */
export class MrSession extends ProtocolConnection implements WatchingConnection {
  /** Watchers by resource and canonical params. */
  private readonly slots = new Map<string, Slot>();
  private closed = false;

  constructor(
    session: Session,
    module: HandlerModule,
    readonly options: MonoRailOptions,
    /** The URL's extra segment: the resource of frames that name none. */
    readonly defaultResource: string | undefined,
    private readonly ctx: MrContext,
  ) {
    super(session, module, ctx.log, MAX_IN_FLIGHT);
    this.event(EventKind.open, "");
  }

  get hookTimeoutMs(): number {
    return this.options.hookTimeoutMs;
  }

  /** Watchers this connection holds (set up or being set up). */
  get watcherCount(): number {
    return this.slots.size;
  }

  private fail(resource: string | undefined, error: FrameError): void {
    this.send(errorFrame(resource, error.name, error.message));
  }

  protected override received(data: unknown, isBinary: boolean): void {
    try {
      this.frame(data, isBinary);
    } catch (error) {
      // A client's frame never takes the server down: what it broke is told back.
      this.fail(this.defaultResource, { name: MonoRailErrors.badFrame, message: String((error as Error)?.message ?? error) });
    }
  }

  private frame(data: unknown, isBinary: boolean): void {
    if (this.closed) return;
    if (isBinary) {
      this.fail(this.defaultResource, { name: MonoRailErrors.badFrame, message: "MonoRail frames are JSON text; a binary frame was sent" });
      return;
    }
    const frame = readFrame(toPayload(data, false) as string, this.defaultResource);
    if (frame.kind === "bad") {
      this.fail(frame.resource, frame);
      return;
    }
    const { handler, resource, params } = frame;
    if (handler === "init") {
      this.send(sessionFrame(this.id, resource));
      return;
    }
    if (handler === "error") {
      this.ctx.log.debug({ endpoint: this.endpoint, session: this.id, params }, `MonoRail client ${this.id} reported an error`);
      return;
    }
    if (resource === undefined) {
      this.fail(undefined, { name: MonoRailErrors.badFrame, message: `${handler} names no resource: add "resource" (or "type") to the frame, or connect to /websockets/v4/service/${this.endpoint}/<resource>` });
      return;
    }
    if (handler === "watch") return this.watch(resource, params);
    if (handler === "stop") return this.stop(resource, params);
    void this.answer(handler, resource, params);
  }

  /** query, all, get: the resource's answer as a list, item or remove frame. */
  private async answer(handler: ClientHandler, resource: string, params: unknown): Promise<void> {
    let json: string | undefined;
    try {
      json = await this.ask(handler, resource, params);
    } catch (error) {
      this.fail(resource, askFailure(resource, error));
      return;
    }
    if (this.closed) return;
    try {
      this.answered(handler, resource, params, json);
    } catch (error) {
      this.fail(resource, { name: "TypeError", message: `the answer of resource "${resource}" could not be sent: ${String((error as Error)?.message ?? error)}` });
    }
  }

  /** Sends what the resource answered (JSON text, undefined for nothing) as the frame its handler calls for. */
  private answered(handler: ClientHandler, resource: string, params: unknown, json: string | undefined): void {
    const value: unknown = json === undefined ? undefined : JSON.parse(json);
    if (handler === "get") {
      const paramsId = params && typeof params === "object" && "id" in params ? (params as { id: unknown }).id : null;
      if (value === undefined || value === null) {
        this.send(itemFrame("remove", resource, JSON.stringify(paramsId ?? null), "null"));
        return;
      }
      const ownId = typeof value === "object" && !Array.isArray(value) && "id" in value ? (value as { id: unknown }).id : undefined;
      this.send(itemFrame("item", resource, JSON.stringify(ownId ?? paramsId ?? null), json!));
      return;
    }
    if (value !== undefined && !Array.isArray(value)) {
      this.fail(resource, { name: "TypeError", message: `${handler === "all" ? "all()" : "query()"} of resource "${resource}" must return an array` });
      return;
    }
    this.send(listFrame(resource, json ?? "[]"));
  }

  /** Asks the handler's resource `resource` (through net/v4/monorail's hook); the connection goes last. */
  private async ask(handler: string, resource: string, params: unknown): Promise<string | undefined> {
    if (!this.ctx.asks.take(this.module)) throw this.busy(handler, resource);
    try {
      return await this.counted(
        () => this.module.requestJson(MONORAIL_RESOURCE_HOOK, [handler, resource, params], this.options.hookTimeoutMs, this.asPeer(3)),
        (error) => {
          if (isFault(error)) this.logFailure(`MonoRail ${handler} of "${resource}"`, { resource }, error);
        },
      );
    } finally {
      this.ctx.asks.give(this.module);
    }
  }

  /** The refusal of an ask past the module's budget, logged now and then. */
  private busy(handler: string, resource: string): BusyError {
    const max = this.ctx.asks.max;
    if (this.module.logBudget.take()) {
      this.ctx.log.warn(
        { handler: this.module.key, endpoint: this.endpoint, session: this.id, resource },
        `MonoRail: handler ${this.module.key} has ${max} resource asks waiting, its limit across this node's connections; ${handler} of "${resource}" from ${this.id} was answered BusyError`,
      );
    }
    return new BusyError(`the handler has ${max} questions waiting (its limit across the endpoint's connections); ask again later`);
  }

  private watch(resource: string, params: unknown): void {
    if (resource === MQ_RESOURCE && !this.options.mq) {
      const file = this.ctx.descriptorOf(this.endpoint);
      const where = file ? `its descriptor file ${file}` : "its descriptor file";
      this.fail(resource, { name: MonoRailErrors.mq, message: `the built-in mq resource is off on endpoint "${this.endpoint}": add "monorail": {"mq": {"connection": "<amqp connection>", "exchanges": ["<exchange>"]}} to ${where}` });
      return;
    }
    const mq = resource === MQ_RESOURCE ? this.options.mq : undefined;
    const target = mq ? mqTarget(params, mq) : undefined;
    if (typeof target === "string") {
      this.fail(resource, { name: MonoRailErrors.mq, message: target });
      return;
    }
    const identity = canonicalJson(target ?? params);
    if (identity.length > MAX_WATCH_PARAMS_CHARS) {
      this.fail(resource, { name: MonoRailErrors.badFrame, message: `watch params are ${identity.length} characters of JSON; a watcher's params may have at most ${MAX_WATCH_PARAMS_CHARS} (they select what to watch)` });
      return;
    }
    const key = `${resource}\u0000${identity}`;
    // The same resource and params (in any key order) is one watcher.
    if (this.slots.has(key)) return;
    if (this.slots.size >= this.options.maxWatchers) {
      this.fail(resource, { name: MonoRailErrors.tooManyWatchers, message: `this connection holds ${this.options.maxWatchers} watchers, the endpoint's monorail.maxWatchers; stop some first` });
      return;
    }
    const pending: Slot = target ? { state: "pending" } : { state: "pending", watcher: { connection: this, resource, key, params, filter: true, held: [] } };
    this.slots.set(key, pending);
    const work = target ? this.watchMq(key, pending, target) : this.watchResource(key, pending, resource, params);
    void work.catch((error: unknown) => {
      if (this.slots.get(key) === pending) {
        this.slots.delete(key);
        this.drop(pending);
      }
      if (!this.closed) this.fail(resource, error instanceof MqRefusal ? { name: MonoRailErrors.mq, message: error.message } : askFailure(resource, error));
    });
  }

  /**
   * The watcher goes in first, holding the changes that reach it, and the
   * engine confirms its channel; then watch() is asked for the initial list,
   * and the held changes follow it: none made meanwhile is lost.
   */
  private async watchResource(key: string, pending: Slot, resource: string, params: unknown): Promise<void> {
    const watcher = pending.watcher!;
    this.ctx.index.add(this.project, watcher);
    await this.ctx.index.confirmed(this.project, resource);
    if (this.closed || this.slots.get(key) !== pending) return; // closed or stopped meanwhile
    const json = await this.ask("watch", resource, params);
    const answer = (json === undefined ? {} : JSON.parse(json)) as { filter?: unknown; items?: unknown };
    if (this.closed || this.slots.get(key) !== pending) return;
    watcher.filter = answer.filter === true;
    if (Array.isArray(answer.items)) this.send(listFrame(resource, JSON.stringify(answer.items)));
    const held = watcher.held ?? [];
    watcher.held = undefined;
    for (const frame of held) this.send(frame);
    this.slots.set(key, { state: "watching", watcher });
  }

  private async watchMq(key: string, pending: Slot, target: MqTarget): Promise<void> {
    const mq = this.options.mq!;
    const { exchange, routingKey } = target;
    let stop: () => void;
    try {
      stop = await this.ctx.mq.watch(mq.connection, exchange, routingKey, (rk, data) => {
        if (!this.closed) this.send(itemFrame("item", MQ_RESOURCE, JSON.stringify(rk), JSON.stringify(data ?? null)));
      });
    } catch (error) {
      throw new MqRefusal(`the broker refused the watch of ${exchange} "${routingKey}": ${String((error as Error)?.message ?? error)}`);
    }
    if (this.closed || this.slots.get(key) !== pending) {
      stop();
      return;
    }
    this.slots.set(key, { state: "watching", stop });
  }

  private stop(resource: string, params: unknown): void {
    const mq = resource === MQ_RESOURCE ? this.options.mq : undefined;
    const target = mq ? mqTarget(params, mq) : undefined;
    if (typeof target === "string") return; // no such watcher
    const key = `${resource}\u0000${canonicalJson(target ?? params)}`;
    const slot = this.slots.get(key);
    if (!slot) return;
    this.slots.delete(key);
    this.drop(slot);
  }

  private drop(slot: Slot): void {
    if (slot.watcher) this.ctx.index.remove(this.project, slot.watcher);
    if (slot.state === "watching") slot.stop?.();
  }

  protected override onClosed(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const slot of this.slots.values()) this.drop(slot);
    this.slots.clear();
    this.event(EventKind.close, reason, code);
  }
}

/** An mq watch the endpoint or the broker refused: the client gets an MqError frame. */
class MqRefusal extends Error {}
