import { EVENT_STRIDE, EventKind, PeerKind } from "../bridge/protocol.js";
import { AerostatError, UserErrorCodes } from "../errors/codes.js";
import { readProjectFile } from "../files/safe-read.js";
import type { Logger } from "../log/logger.js";
import { EventQueue } from "./event-queue.js";
import { GuestContext, type ContextLimits, type HostCall } from "./guest-context.js";
import type { ProjectIsolate } from "./project-isolate.js";
import { GuestTimers } from "./guest-timers.js";
import { SourcePositions } from "../errors/source-positions.js";
import { transpileHandler } from "./transpile.js";

/** Events taken into one dispatch call at most. */
const MAX_BATCH = 256;

export type LoadResult = { ok: true; ms: number } | { ok: false; error: AerostatError };

/** An event (or the code after an await) that ran past the CPU limit and was stopped. */
export interface CpuStop {
  /** "onMessage", "a timer callback", "async continuation", ... */
  readonly method: string;
  readonly peerKind: string;
  readonly peerId: string;
  /** Endpoint (sessions) or URI (clients). */
  readonly where: string;
  readonly text: string;
}

export interface HandlerModuleDeps {
  readonly isolate: ProjectIsolate;
  readonly limits: ContextLimits;
  /** Queued events above which senders are paused; they resume below half of it. */
  readonly maxQueuedEvents: number;
  readonly log: Logger;
  hostCallFor(module: HandlerModule): HostCall;
  applyOutbox(module: HandlerModule, text: string, from: GuestContext): void;
  /** An event ran past the CPU limit and was stopped. */
  reportStop(module: HandlerModule, stop: CpuStop): void;
  /** The module's isolate died under it (generation it was loaded in, and why). */
  isolateLost(module: HandlerModule, generation: number, reason: string): void;
}

/**
 * One handler script: its current (last good) context, the queue of events
 * waiting for it, and the single dispatch call in flight. Reloads swap the
 * context between batches, so open connections never notice.
 */
export class HandlerModule {
  private current: GuestContext | undefined;
  private readonly queue = new EventQueue();
  private draining = false;
  private inFlight: GuestContext | undefined;
  private readonly heldBack = new Set<() => void>();
  private loadChain: Promise<LoadResult> | undefined;
  private isolateGeneration = 0;
  private disposed = false;
  /** Set by disable(); cleared by the next successful load. */
  private disabled = false;
  readonly timers: GuestTimers;
  lastError: AerostatError | undefined;
  /** Successful loads so far; more than one means it was reloaded. */
  loads = 0;
  /** Maps positions in the running code back to the user's file (TypeScript handlers). */
  positions: SourcePositions;

  constructor(
    /** Project-relative path, e.g. "my-project/ws-handler.js". */
    readonly key: string,
    readonly file: string,
    /** Top-level project folder the module belongs to. */
    readonly project: string,
    private readonly deps: HandlerModuleDeps,
  ) {
    this.positions = new SourcePositions(key);
    this.timers = new GuestTimers(
      (id) => this.enqueue(EventKind.timer, PeerKind.none, "", "", "", id),
      deps.limits.maxTimers,
    );
  }

  /** True once some version has loaded; events are then served. */
  get ready(): boolean {
    return this.current !== undefined;
  }

  get isDisabled(): boolean {
    return this.disabled;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Resolves when no load is running. */
  async settled(): Promise<void> {
    await this.loadChain;
  }

  /** Nothing queued and nothing running. */
  get idle(): boolean {
    return this.queue.length === 0 && !this.draining;
  }

  /** The context now serving events; outboxes from any other are stale. */
  get currentContext(): GuestContext | undefined {
    return this.current;
  }

  /** Loads the file again; on failure the last good version keeps serving. Calls are serialised. */
  reload(): Promise<LoadResult> {
    const next = (this.loadChain ?? Promise.resolve()).then(() => this.load());
    this.loadChain = next.catch(() => ({ ok: false }) as LoadResult);
    return next;
  }

  /**
   * Queues an event. Returns true when the queue is over its high-water mark:
   * the caller should stop reading from its source and pass a resume function
   * to holdBack().
   */
  enqueue(kind: EventKind, peerKind: string, peerId: string, where: string, payload: unknown, code: number): boolean {
    if (this.disposed || this.disabled) return false;
    this.queue.push(kind, peerKind, peerId, where, payload, code);
    this.scheduleDrain();
    return this.queue.length >= this.deps.maxQueuedEvents;
  }

  /** Calls `resume` once the queue has drained below half its high-water mark. */
  holdBack(resume: () => void): void {
    this.heldBack.add(resume);
  }

  private releaseHeldBack(): void {
    if (this.heldBack.size === 0 || this.queue.length > this.deps.maxQueuedEvents / 2) return;
    const waiting = [...this.heldBack];
    this.heldBack.clear();
    for (const resume of waiting) resume();
  }

  dispose(): void {
    this.disposed = true;
    this.heldBack.clear();
    this.timers.clearAll();
    this.current?.dispose();
    this.current = undefined;
  }

  private async load(): Promise<LoadResult> {
    if (this.disposed) return { ok: false, error: this.closedError() };
    const started = performance.now();
    let source: string;
    try {
      source = await readProjectFile(this.file, this.key, "handler");
    } catch (cause) {
      const error = cause instanceof AerostatError ? cause : new AerostatError(
        UserErrorCodes.HANDLER_NOT_FOUND,
        `cannot read the handler file (${(cause as NodeJS.ErrnoException).code ?? cause}). Restore it or point the descriptor elsewhere.`,
        { file: this.key },
      );
      this.lastError = error;
      return { ok: false, error };
    }
    const isolate = this.deps.isolate;
    let positions = new SourcePositions(this.key);
    try {
      const transpiled = await transpileHandler(this.key, source);
      positions = new SourcePositions(this.key, transpiled.map);
      const loaded = await GuestContext.load(
        isolate,
        this.key,
        transpiled.code,
        this.deps.hostCallFor(this),
        this.deps.limits,
      );
      if (this.disposed) {
        loaded.context.dispose();
        return { ok: false, error: this.closedError() };
      }
      this.swap(loaded.context);
      this.positions = positions;
      this.isolateGeneration = isolate.generation;
      if (loaded.outbox) this.deps.applyOutbox(this, loaded.outbox, loaded.context);
      this.lastError = undefined;
      this.disabled = false;
      this.loads++;
      this.scheduleDrain();
      return { ok: true, ms: performance.now() - started };
    } catch (cause) {
      const error =
        cause instanceof AerostatError
          ? inUserSource(cause, positions)
          : new AerostatError(UserErrorCodes.HANDLER_LOAD, String(cause), { file: this.key }, { cause });
      this.lastError = error;
      return { ok: false, error };
    }
  }

  private closedError(): AerostatError {
    return new AerostatError(UserErrorCodes.HANDLER_LOAD, "the handler was unloaded", { file: this.key });
  }

  private swap(next: GuestContext): void {
    const previous = this.current;
    this.current = next;
    // Timers belong to the old code; its queued timer events go with it.
    this.timers.clearAll();
    this.queue.dropTimers();
    // A context with a dispatch in flight is disposed when that dispatch returns.
    if (previous && previous !== this.inFlight) previous.dispose();
  }

  private scheduleDrain(): void {
    if (this.draining || !this.current || this.queue.length === 0) return;
    this.draining = true;
    // setImmediate lets events that arrive in the same tick join one batch.
    setImmediate(() =>
      this.drain().catch((error: unknown) => this.deps.log.error({ handler: this.key, err: error }, "dispatch loop failed")),
    );
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0 && this.current && !this.disposed) {
        const ctx = this.current;
        const batch = this.queue.take(MAX_BATCH);
        this.inFlight = ctx;
        try {
          await this.runBatch(ctx, batch);
        } finally {
          this.inFlight = undefined;
        }
        if (ctx !== this.current) ctx.dispose();
        this.releaseHeldBack();
      }
    } finally {
      this.draining = false;
    }
    // Events queued while the last batch was finishing.
    this.scheduleDrain();
  }

  private async runBatch(ctx: GuestContext, batch: unknown[]): Promise<void> {
    let result: string;
    let culprit = -1;
    for (let i = 0; i < batch.length; i += EVENT_STRIDE) {
      if (batch[i] === EventKind.timer) this.timers.delivered(batch[i + 5] as number);
    }
    try {
      result = await ctx.dispatch(batch);
    } catch (error) {
      if (!this.deps.isolate.alive || this.isolateGeneration !== this.deps.isolate.generation) {
        this.onIsolateLost(batch, error);
        return;
      }
      if (!isTimeout(error)) {
        this.deps.log.error(
          { handler: this.key, events: batch.length / EVENT_STRIDE, reason: String((error as Error)?.message ?? error) },
          "a dispatch into the sandbox failed; its events were dropped",
        );
        return;
      }
      result = await ctx.recover().catch(() => "0|");
      culprit = Number.parseInt(result, 10) || 0;
    }
    const bar = result.indexOf("|");
    const done = Number.parseInt(result.slice(0, bar), 10) || 0;
    const outbox = result.slice(bar + 1);
    if (outbox) {
      try {
        this.deps.applyOutbox(this, outbox, ctx);
      } catch (error) {
        this.deps.log.error({ handler: this.key, err: error }, "applying the handler's outgoing operations failed");
      }
    }
    if (culprit >= 0) {
      this.queue.unshift(batch.slice((culprit + 1) * EVENT_STRIDE));
      this.onTimeout(batch, culprit);
    } else if (done * EVENT_STRIDE < batch.length) {
      // The batch used its time slice; the rest go first next round.
      this.queue.unshift(batch.slice(done * EVENT_STRIDE));
    }
  }

  private onTimeout(batch: unknown[], index: number): void {
    const at = index * EVENT_STRIDE;
    if (at >= batch.length) {
      // Every event had returned; the time went to promise continuations (code after an await).
      this.deps.reportStop(this, {
        method: "async continuation",
        peerKind: PeerKind.none,
        peerId: "",
        where: "",
        text: `Error: code after an await ran past the CPU limit of ${this.deps.limits.cpuLimitMs} ms and was stopped`,
      });
      return;
    }
    const kind = batch[at] as EventKind;
    const peerKind = batch[at + 1] as string;
    const peerId = batch[at + 2] as string;
    const where = batch[at + 3] as string;
    const method = eventMethod(kind);
    const text = `Error: ${method} ran past the CPU limit of ${this.deps.limits.cpuLimitMs} ms and was stopped`;
    this.deps.reportStop(this, { method, peerKind, peerId, where, text });
    // The handler hears about it through onError, before the events that were
    // waiting behind it, unless onError itself ran long.
    if (kind !== EventKind.error && kind !== EventKind.timer && peerKind !== PeerKind.none) {
      this.queue.unshift([EventKind.error, peerKind, peerId, where, text, 0]);
    }
  }

  private onIsolateLost(batch: unknown[], error: unknown): void {
    const reason = String((error as Error)?.message ?? error);
    // Each connection whose event was in flight hears about it, once the fresh context runs.
    for (let i = 0; i < batch.length; i += EVENT_STRIDE) {
      const kind = batch[i] as EventKind;
      const peerKind = batch[i + 1] as string;
      if (peerKind === PeerKind.none || kind === EventKind.error || kind === EventKind.close) continue;
      const text = `Error: the sandbox was restarted (${reason}); this ${eventMethod(kind)} event was lost`;
      this.queue.push(EventKind.error, peerKind, batch[i + 2] as string, batch[i + 3] as string, text, 0);
    }
    this.deps.isolateLost(this, this.isolateGeneration, reason);
  }

  /** The context died with its isolate: drop it and load again into a fresh isolate. */
  restart(): Promise<LoadResult> {
    this.current = undefined;
    this.timers.clearAll();
    this.queue.dropTimers();
    return this.reload();
  }

  /** Stops serving until the next successful reload; queued events are dropped. */
  disable(error: AerostatError): void {
    this.current?.dispose();
    this.current = undefined;
    this.timers.clearAll();
    this.queue.take(this.queue.length);
    this.lastError = error;
    this.disabled = true;
  }

}

/** The same error, with its line and column moved from transpiled code to the user's source. */
function inUserSource(error: AerostatError, positions: SourcePositions): AerostatError {
  const at = error.location;
  if (!at?.line || at.file !== positions.key) return error;
  const original = positions.original({ line: at.line, column: at.column ?? 1 });
  return new AerostatError(error.code, positions.rewrite(error.message), { ...at, ...original }, { cause: error.cause });
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && /timed out/i.test(error.message);
}

function eventMethod(kind: EventKind): string {
  switch (kind) {
    case EventKind.open:
      return "onOpen";
    case EventKind.message:
      return "onMessage";
    case EventKind.error:
      return "onError";
    case EventKind.close:
      return "onClose";
    default:
      return "a timer callback";
  }
}
