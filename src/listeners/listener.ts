import { redactUrl, type Connection } from "../config/connections.js";
import type { ListenerSpec } from "../config/listener-spec.js";
import type { Logger } from "../log/logger.js";
import type { RateLimitedLog } from "../log/rate-limited.js";
import type { HandlerModule } from "../sandbox/handler-module.js";
import { HookError } from "../sandbox/requests.js";
import { reasonOf } from "./body-text.js";
import type { DeliveryOutcome, ListenerSource, SourceMessage, SourceState } from "./source.js";

/** Questions to onMessage one listener has in flight at most; the rest wait, in order. */
export const DELIVERY_WINDOW = 32;

/** What the handler's second argument holds: the listener, and where the message came from. */
export interface ListenerInfo {
  readonly name: string;
  readonly source: ListenerSpec["source"];
  readonly channel?: string;
  readonly pattern?: string;
  readonly routingKey?: string;
  readonly exchange?: string;
  readonly subject?: string;
  readonly encoding?: "base64";
  readonly redelivered?: boolean;
  /** The connection dropped and came back: messages may have been missed; re-query what you need. */
  readonly gap?: true;
}

/** A listener as the runtime and the dashboard report it. */
export interface ListenerStatus {
  readonly name: string;
  readonly source: ListenerSpec["source"];
  readonly file: string;
  readonly handler: string;
  readonly connection: { readonly name: string; readonly url: string };
  readonly state: SourceState | "stopped";
  /** Messages from the service, handed to the handler, dropped (oldest first, past the bound), and gaps. */
  readonly received: number;
  readonly delivered: number;
  readonly dropped: number;
  readonly gaps: number;
  /** onMessage failures (it threw, hit the CPU limit, or did not answer). */
  readonly failed: number;
  readonly lastError?: string;
  /**
   * Why it does not run (its handler file is missing, say), why a newer
   * version of its file is not used, or why its messages wait (its handler
   * does not serve).
   */
  readonly problem?: string;
}

export interface ListenerDeps {
  readonly log: Logger;
  /** Rate-limited warnings (dropped messages). */
  readonly warn: RateLimitedLog;
  /** Messages waiting for the handler at most (the module's maxQueuedEvents); past it the oldest waiting one is dropped. */
  readonly maxWaiting: number;
  /** How long onMessage and onError may take to answer. */
  readonly answerTimeoutMs: number;
  /** A hook of the handler threw or failed: reported like other hook faults. */
  fault(module: HandlerModule, listener: string, hook: string, error: string): void;
  /** Makes the source of a spec. */
  makeSource(spec: ListenerSpec, connection: Connection, hooks: import("./source.js").SourceHooks, log: Logger): ListenerSource;
}

interface Waiting {
  readonly text: string;
  readonly info: ListenerInfo;
  readonly done: (outcome: DeliveryOutcome) => void;
  /** Asked once already, and lost with a handler that reloaded or restarted. */
  readonly again?: boolean;
}

/**
 * One running listener: owns its source (and so its connection) and hands
 * each message to its handler's onMessage, in order, with a window of
 * questions in flight. Sources that cannot be slowed (redis, postgres, nats)
 * wait in a buffer bounded by the module's queue bound: past it the oldest
 * waiting message is dropped, counted and logged. While the handler does not
 * serve (its first load failed, it is disabled after crashes, its sandbox is
 * restarting) nothing is asked: messages wait until it serves again (amqp:
 * unacknowledged, so `prefetch` bounds them). The handler module can be
 * swapped (a reload or a new handler path) without touching the connection.
 */
export class Listener {
  private readonly source: ListenerSource;
  private readonly waiting: Waiting[] = [];
  private inFlight = 0;
  private closed = false;
  private received = 0;
  private delivered = 0;
  private dropped = 0;
  private gaps = 0;
  private failed = 0;
  private lastError: string | undefined;
  /** The handler and load whose missing onMessage was reported. */
  private missingReported: { readonly module: HandlerModule; readonly loads: number } | undefined;
  /** Stops hearing that the handler module serves again. */
  private unwatch: () => void;
  /** Why a newer version of its file or handler is not used. */
  problem: string | undefined;

  constructor(
    private spec: ListenerSpec,
    private readonly connection: Connection,
    private module: HandlerModule,
    private readonly deps: ListenerDeps,
  ) {
    this.source = deps.makeSource(spec, connection, {
      deliver: (message) => this.deliver(message),
      connected: (again) => this.connected(again),
      lost: (reason) => this.lost(reason),
    }, deps.log);
    this.unwatch = module.onServing(() => this.pump());
  }

  get name(): string {
    return this.spec.name;
  }

  get currentSpec(): ListenerSpec {
    return this.spec;
  }

  get handlerModule(): HandlerModule {
    return this.module;
  }

  start(): void {
    this.source.start();
  }

  /** Another handler module, or a spec that differs only in what the source does not use: the connection stays. */
  update(spec: ListenerSpec, module: HandlerModule): void {
    this.spec = spec;
    if (module === this.module) return;
    this.unwatch();
    this.module = module;
    this.unwatch = module.onServing(() => this.pump());
    this.pump();
  }

  private get slowable(): boolean {
    return this.spec.source === "amqp";
  }

  private base(): { name: string; source: ListenerSpec["source"] } {
    return { name: this.spec.name, source: this.spec.source };
  }

  private deliver(message: SourceMessage): Promise<DeliveryOutcome> {
    if (this.closed) return Promise.resolve("retry");
    this.received++;
    const info: ListenerInfo = Object.freeze({ ...this.base(), ...whereFrom(message) });
    const outcome = this.push(message.text, info);
    if (!message.redelivered) return outcome;
    // amqp requeues a message once; lost with the handler a second time, the source drops it: counted here.
    return outcome.then((o) => {
      if (o === "retry" && !this.closed) this.countDropped("a message redelivered once was lost with its handler again and dropped");
      return o;
    });
  }

  private countDropped(why: string): void {
    this.dropped++;
    this.deps.warn.warn(
      "dropped",
      { listener: this.spec.name, handler: this.module.key, dropped: this.dropped },
      `listener ${this.spec.name}: ${why} (${this.dropped} dropped so far)`,
    );
  }

  private push(text: string, info: ListenerInfo): Promise<DeliveryOutcome> {
    return new Promise((done) => {
      this.waiting.push({ text, info, done });
      if (!this.slowable) this.bound();
      this.pump();
    });
  }

  /** Drops the oldest waiting messages past the bound; never a gap message (at most one waits: connected()). */
  private bound(): void {
    while (this.waiting.length + this.inFlight > this.deps.maxWaiting) {
      const oldest = this.waiting.findIndex((w) => !w.info.gap);
      if (oldest === -1) return;
      this.waiting.splice(oldest, 1)[0]!.done("done");
      this.countDropped(`${this.module.key} is behind by ${this.deps.maxWaiting} messages; the oldest waiting message was dropped`);
    }
  }

  /** Asks onMessage about waiting messages, in order, while the handler serves; the rest wait until it serves again. */
  private pump(): void {
    while (!this.closed && this.inFlight < DELIVERY_WINDOW && this.waiting.length > 0 && serves(this.module)) {
      const next = this.waiting.shift()!;
      this.inFlight++;
      void this.ask(next.text, next.info).then((outcome) => {
        this.inFlight--;
        // Not handled, and not the message's fault: it waits for the handler to serve again.
        if (outcome === "hold" && !this.closed) this.waiting.unshift(next);
        // A source that cannot redeliver: a message lost with a reloading or restarting handler is asked once more.
        else if (outcome === "retry" && !this.slowable && !this.closed) {
          if (!next.again) this.waiting.unshift({ ...next, again: true });
          else {
            this.countDropped("a message lost with its handler twice (it reloaded or its sandbox restarted each time) was dropped");
            next.done("retry");
          }
        } else next.done(outcome === "hold" ? "retry" : outcome);
        this.pump();
      });
    }
  }

  /**
   * Asks onMessage; a throw or a stop goes to onError and counts as done, a
   * handler that went away with it as retry; no answer while the handler was
   * not serving is no failure of the handler: the message waits (hold).
   */
  private async ask(text: string, info: ListenerInfo): Promise<DeliveryOutcome | "hold"> {
    const module = this.module;
    try {
      await module.request("onMessage", [text, info], this.deps.answerTimeoutMs, this.peer, false, true);
      this.delivered++;
      return "done";
    } catch (error) {
      if (!(error instanceof HookError) && (error as Error)?.name !== "TimeoutError") return "retry";
      if (!(error instanceof HookError) && !serves(module)) return "hold";
      this.failed++;
      const why = `${(error as Error).name}: ${(error as Error).message}`;
      this.lastError = why;
      // A throw is reported by the sandbox with its file:line, a CPU-limit stop by the host; the rest here.
      if (error instanceof HookError && error.name === "HookMissingError") this.reportMissing(module);
      else if (!(error instanceof HookError)) this.deps.fault(module, this.spec.name, "onMessage", why);
      await this.tellError(why, info);
      return "done";
    }
  }

  /** A handler without onMessage: said once per listener and load of the handler, naming the `.listener` file. */
  private reportMissing(module: HandlerModule): void {
    if (this.missingReported?.module === module && this.missingReported.loads === module.loads) return;
    this.missingReported = { module, loads: module.loads };
    this.deps.fault(
      module,
      this.spec.name,
      "onMessage",
      `HookMissingError: ${module.key} exports no onMessage, which ${this.spec.file} needs: export onMessage(message, listener) from ${module.key}. ` +
        "Until it does, each message counts as failed (said once per load of the handler).",
    );
  }

  /** Where the handler's faults say they happened. */
  private get peer(): { kind: string; id: string; where: string } {
    return { kind: "", id: "", where: `listener ${this.spec.name}` };
  }

  /** Asks onError(error, info) when the handler exports it; what it throws is reported, never asked about again. */
  private async tellError(error: string, info: ListenerInfo): Promise<void> {
    const module = this.module;
    if (!module.ready || !module.hooks.has("onError")) return;
    try {
      await module.request("onError", [error, info], this.deps.answerTimeoutMs, this.peer, false, true);
    } catch (failure) {
      if ((failure as Error)?.name === "TimeoutError") this.deps.fault(module, this.spec.name, "onError", `${(failure as Error).name}: ${(failure as Error).message}`);
    }
  }

  private connected(again: boolean): void {
    if (this.closed) return;
    const { name } = this.spec;
    this.deps.log.info(
      { listener: name, connection: this.connection.name, again },
      again ? `listener ${name}: connection "${this.connection.name}" is back; its handler gets a gap message` : `listener ${name} listening on connection "${this.connection.name}"`,
    );
    if (!again) return;
    this.gaps++;
    // One gap message waiting says it all: the handler re-reads what it needs once.
    if (this.waiting.some((w) => w.info.gap)) return;
    void this.push("", Object.freeze({ ...this.base(), gap: true as const }));
  }

  private lost(reason: string): void {
    if (this.closed) return;
    this.lastError = reason;
    this.deps.log.warn(
      { listener: this.spec.name, connection: this.connection.name, url: redactUrl(this.connection.url), reason },
      `listener ${this.spec.name} lost connection "${this.connection.name}" (${redactUrl(this.connection.url)}): ${reason}; reconnecting`,
    );
    void this.tellError(reason, Object.freeze(this.base()));
  }

  status(): ListenerStatus {
    return {
      name: this.spec.name,
      source: this.spec.source,
      file: this.spec.file,
      handler: this.module.key,
      connection: { name: this.connection.name, url: redactUrl(this.connection.url) },
      state: this.source.state,
      received: this.received,
      delivered: this.delivered,
      dropped: this.dropped,
      gaps: this.gaps,
      failed: this.failed,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
      ...(this.problem !== undefined ? { problem: this.problem } : serves(this.module) ? {} : { problem: this.waitingFor() }),
    };
  }

  /** Why messages wait: the handler does not serve. */
  private waitingFor(): string {
    const m = this.module;
    const why = m.isDisabled ? "is disabled" : m.isUnloaded ? "was unloaded" : m.lastError ? "did not load" : "is loading";
    const held = this.waiting.length + this.inFlight;
    return `handler ${m.key} ${why}${m.lastError ? ` (${m.lastError.toString()})` : ""}; ${held} message${held === 1 ? "" : "s"} wait until it serves`;
  }

  /** Stops listening and closes the connection; waiting messages are dropped (amqp: requeued). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unwatch();
    for (const w of this.waiting.splice(0)) w.done("retry");
    try {
      await this.source.close();
    } catch (error) {
      this.deps.log.warn({ listener: this.spec.name, connection: this.connection.name }, `listener ${this.spec.name}: closing its connection failed: ${reasonOf(error)}`);
    }
  }
}

/** Whether `module` answers questions now: loaded, not disabled after crashes, not unloaded. */
function serves(module: HandlerModule): boolean {
  return module.ready && !module.isDisabled && !module.isUnloaded;
}

/** The fields of a message that say where it came from. */
function whereFrom(m: SourceMessage): Omit<ListenerInfo, "name" | "source"> {
  const out: Record<string, unknown> = {};
  for (const key of ["channel", "pattern", "routingKey", "exchange", "subject", "encoding", "redelivered"] as const) {
    if (m[key] !== undefined) out[key] = m[key];
  }
  return out as Omit<ListenerInfo, "name" | "source">;
}
