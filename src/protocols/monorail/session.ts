import type { MonoRailOptions } from "../../config/monorail-options.js";
import type { Logger } from "../../log/logger.js";
import { toPayload } from "../../peers/feed.js";
import { ProtocolConnection } from "../../peers/protocol-connection.js";
import type { Session } from "../../peers/sessions.js";
import { EventKind } from "../../protocol/events.js";
import { MONORAIL_RESOURCE_HOOK, MonoRailErrors, MQ_RESOURCE } from "../../protocol/monorail.js";
import type { HandlerModule } from "../../sandbox/handler-module.js";
import { askFailure, isFault, type FrameError } from "./errors.js";
import { canonicalJson, errorFrame, itemFrame, listFrame, readFrame, sessionFrame, type ClientHandler } from "./frames.js";
import type { MqHub } from "./mq-hub.js";
import type { WatchIndex, Watcher, WatchingConnection } from "./watch-index.js";

/** What every MonoRail connection of this node shares. */
export interface MrContext {
  readonly index: WatchIndex;
  readonly mq: MqHub;
  readonly log: Logger;
}

/** A watch being set up (its resource's watch() is asked), or one in place. */
type Slot = { readonly state: "pending" } | { readonly state: "watching"; readonly watcher?: Watcher; readonly stop?: () => void };

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
    super(session, module, ctx.log);
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
  private ask(handler: string, resource: string, params: unknown): Promise<string | undefined> {
    return this.counted(
      () => this.module.requestJson(MONORAIL_RESOURCE_HOOK, [handler, resource, params], this.options.hookTimeoutMs, this.asPeer(3)),
      (error) => {
        if (isFault(error)) this.logFailure(`MonoRail ${handler} of "${resource}"`, { resource }, error);
      },
    );
  }

  private watch(resource: string, params: unknown): void {
    const key = `${resource}\u0000${canonicalJson(params)}`;
    // The same resource and params (in any key order) is one watcher.
    if (this.slots.has(key)) return;
    if (this.slots.size >= this.options.maxWatchers) {
      this.fail(resource, { name: MonoRailErrors.tooManyWatchers, message: `this connection holds ${this.options.maxWatchers} watchers, the endpoint's monorail.maxWatchers; stop some first` });
      return;
    }
    const pending: Slot = { state: "pending" };
    this.slots.set(key, pending);
    const work = resource === MQ_RESOURCE && this.options.mq ? this.watchMq(key, pending, params) : this.watchResource(key, pending, resource, params);
    void work.catch((error: unknown) => {
      if (this.slots.get(key) === pending) this.slots.delete(key);
      if (!this.closed) this.fail(resource, error instanceof MqRefusal ? { name: MonoRailErrors.mq, message: error.message } : askFailure(resource, error));
    });
  }

  private async watchResource(key: string, pending: Slot, resource: string, params: unknown): Promise<void> {
    const json = await this.ask("watch", resource, params);
    const answer = (json === undefined ? {} : JSON.parse(json)) as { filter?: unknown; items?: unknown };
    if (this.closed || this.slots.get(key) !== pending) return; // closed or stopped meanwhile
    if (Array.isArray(answer.items)) this.send(listFrame(resource, JSON.stringify(answer.items)));
    const watcher: Watcher = { connection: this, resource, key, params, filter: answer.filter === true };
    this.slots.set(key, { state: "watching", watcher });
    this.ctx.index.add(this.project, watcher);
  }

  private async watchMq(key: string, pending: Slot, params: unknown): Promise<void> {
    const mq = this.options.mq!;
    const p = (params && typeof params === "object" ? params : {}) as { exchange?: unknown; routingKey?: unknown };
    if (typeof p.exchange !== "string" || p.exchange === "") throw new MqRefusal('an mq watch needs params {"exchange": "...", "routingKey": "..."}');
    if (!mq.exchanges.includes(p.exchange)) throw new MqRefusal(`exchange "${p.exchange.slice(0, 255)}" is not one this endpoint lets clients watch (monorail.mq.exchanges)`);
    if (p.routingKey !== undefined && (typeof p.routingKey !== "string" || p.routingKey.length > 255)) throw new MqRefusal("routingKey must be a string of at most 255 characters");
    const routingKey = (p.routingKey as string | undefined) ?? "#";
    let stop: () => void;
    try {
      stop = await this.ctx.mq.watch(mq.connection, p.exchange, routingKey, (rk, data) => {
        if (!this.closed) this.send(itemFrame("item", MQ_RESOURCE, JSON.stringify(rk), JSON.stringify(data ?? null)));
      });
    } catch (error) {
      throw new MqRefusal(`the broker refused the watch of ${p.exchange} "${routingKey}": ${String((error as Error)?.message ?? error)}`);
    }
    if (this.closed || this.slots.get(key) !== pending) {
      stop();
      return;
    }
    this.slots.set(key, { state: "watching", stop });
  }

  private stop(resource: string, params: unknown): void {
    const key = `${resource}\u0000${canonicalJson(params)}`;
    const slot = this.slots.get(key);
    if (!slot) return;
    this.slots.delete(key);
    this.drop(slot);
  }

  private drop(slot: Slot): void {
    if (slot.state !== "watching") return;
    if (slot.watcher) this.ctx.index.remove(this.project, slot.watcher);
    slot.stop?.();
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
