import path from "node:path";
import { EVENT_STRIDE, EventKind, PeerKind } from "../protocol/events.js";
import { AerostatError, UserErrorCodes } from "../errors/codes.js";
import { LogBudget } from "../log/log-budget.js";
import type { Logger } from "../log/logger.js";
import { EventQueue, peerKey } from "./event-queue.js";
import { type GuestContext, type ContextCapability, type ContextLimits, type GuestOutput, type HostCall } from "./guest-context.js";
import { isTimeout } from "./ivm-errors.js";
import { Requests } from "./requests.js";
import type { ProjectIsolate } from "./project-isolate.js";
import { GuestTimers } from "./guest-timers.js";
import { InlinePolicy, type InlineStrikes } from "./inline-policy.js";
import { describeStop, eventMethod, type CpuStop } from "./stopped-events.js";
import { SourcePositions } from "../errors/source-positions.js";
import { loadHandlerFile } from "./module-load.js";
import type { ImportedFiles } from "./bundle.js";

const NO_FILES: ImportedFiles = { read: new Set(), missing: new Set() };

/** What recover() stands for when it cannot run: nothing done, nothing to send. */
const NOTHING_DONE: GuestOutput = { text: "0|", binaries: [] };

/** Events taken into one dispatch call at most. */
const MAX_BATCH = 256;
/** Payload bytes taken into one dispatch call at most (one larger event still goes alone). */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/** Questions to hooks one module may have waiting. */
const MAX_PENDING_REQUESTS = 10_000;

export type LoadResult = { ok: true; ms: number } | { ok: false; error: AerostatError };

export type { CpuStop } from "./stopped-events.js";

/**
 * What a module is loaded as: a handler (its top level runs at load; its hooks
 * serve connections) or a script service (its top level runs per HTTP request).
 */
export type ModuleRole = "handler" | "service";

/**
 * One context of a module, as the calls it makes know it: what it starts on
 * the host (an outgoing connection, say) lives only as long as it does.
 */
export interface CallerContext {
  /** It serves the module's events, or is loading to (false once replaced, or once its load failed). */
  isCurrent(): boolean;
  /** It serves the module's events now (its load finished and nothing replaced it). */
  isServing(): boolean;
}

/** Peer kinds whose events can be followed by onError; other peers' events are answered by the host. */
const HOOKED_PEERS: ReadonlySet<string> = new Set([PeerKind.session, PeerKind.client]);

export interface HandlerModuleDeps {
  readonly role: ModuleRole;
  /** The isolate it starts in (moveTo() changes it), and that isolate's group name in the registry. */
  readonly isolate: ProjectIsolate;
  readonly isolateGroup: string;
  readonly limits: ContextLimits;
  /** Queued events above which senders are paused; they resume below half of it. */
  readonly maxQueuedEvents: number;
  /** Lone events of a module that earned it run on the host's thread (inline-policy.ts). */
  readonly inlineDispatch: boolean;
  /** What its inline losses count against: its project folder and the runtime. */
  readonly inlineStrikes: readonly InlineStrikes[];
  /** Queued payload bytes above which senders are paused; they resume below half of it. */
  readonly maxQueuedBytes: number;
  readonly log: Logger;
  /** The capabilities every context gets. */
  readonly capabilities: readonly ContextCapability[];
  /** The bridge for a context of `module`; `caller` says whether that context serves, or is loading to. */
  hostCallFor(module: HandlerModule, caller: CallerContext): HostCall;
  applyOutbox(module: HandlerModule, output: GuestOutput, from: GuestContext): void;
  /** An event ran past the CPU limit and was stopped. */
  reportStop(module: HandlerModule, stop: CpuStop): void;
  /** The module's code rejected a promise nobody handled (the thrown value, as isolated-vm copied it). */
  reportRejection(module: HandlerModule, error: unknown): void;
  /** The module's isolate died under it (generation it was loaded in, and why). */
  isolateLost(module: HandlerModule, generation: number, reason: string): void;
  /** An event of a peer with no onError (an HTTP request) was stopped or lost; the peer gets `status` and `text`. */
  eventFailed(module: HandlerModule, peerKind: string, peerId: string, status: number, text: string): void;
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
  private runningEvents = 0;
  /** Paused senders by peer key, resumed once their queue and the module's have drained. */
  private readonly heldBack = new Map<string, () => void>();
  private loadChain: Promise<LoadResult> | undefined;
  private isolateGeneration = 0;
  private disposed = false;
  /** Set by disable(); cleared by the next successful load. */
  private disabled = false;
  readonly timers: GuestTimers;
  /** The host's questions to this module's hooks, waiting for replies. */
  readonly requests = new Requests(MAX_PENDING_REQUESTS);
  /** Moves on whenever the context is replaced: answers for an older one are void. */
  contextGeneration = 0;
  /** Told once when the serving context is replaced or the module unloaded (see onRelease). */
  private readonly releaseListeners = new Set<(reason: "reloaded" | "unloaded") => void>();
  /** Told after every successful load (see onServing). */
  private readonly servingListeners = new Set<() => void>();
  lastError: AerostatError | undefined;
  /** Successful loads so far; more than one means it was reloaded. */
  loads = 0;
  /** Bounds the log lines and fault reports the module's scripts cause. */
  readonly logBudget: LogBudget;
  /** Maps positions in the running code back to the user's file (TypeScript handlers). */
  positions: SourcePositions;
  /** Whether lone events run on the host's thread. */
  readonly inline: InlinePolicy;
  /** The hooks the serving version exports. */
  hooks: ReadonlySet<string> = new Set();
  /** The isolate the next load goes to. */
  private isolate: ProjectIsolate;
  /** The isolate of the serving context (differs from `isolate` only while moving). */
  private servingIsolate: ProjectIsolate;
  /** The registry's name for `isolate`. */
  isolateGroup: string;
  /** The files the serving version was built from, and those the last load attempt read or looked for. */
  private servingFiles: ImportedFiles = NO_FILES;
  private attemptFiles: ImportedFiles = NO_FILES;

  constructor(
    /** Project-relative path, e.g. "my-project/ws-handler.js". */
    readonly key: string,
    readonly file: string,
    /** Top-level project folder the module belongs to. */
    readonly project: string,
    private readonly deps: HandlerModuleDeps,
  ) {
    this.positions = new SourcePositions(key);
    this.isolate = deps.isolate;
    this.servingIsolate = deps.isolate;
    this.isolateGroup = deps.isolateGroup;
    this.logBudget = new LogBudget((count) =>
      deps.log.warn(
        { project, handler: key, dropped: count },
        `dropped ${count} log lines and error reports from ${key}: it wrote more than the log takes per second`,
      ),
    );
    const until = { "earned again": "until it has been quick for a while", "file changes": "until changed code loads", restart: "until the server restarts" };
    this.inline = new InlinePolicy(
      deps.inlineDispatch,
      (loss) =>
        deps.log.warn(
          { project, handler: key, cpuMs: Number.isFinite(loss.ms) ? Math.round(loss.ms * 10) / 10 : null, until: loss.until },
          `${key} held the host's thread: ${Number.isFinite(loss.ms) ? `an event took ${Math.round(loss.ms)} ms of CPU` : "an event ran past the CPU limit"}; ` +
            `its events run on the sandbox's worker thread ${until[loss.until]}`,
        ),
      deps.inlineStrikes,
    );
    this.timers = new GuestTimers(
      (id) => this.enqueue(EventKind.timer, PeerKind.none, "", "", "", id),
      deps.limits.maxTimers,
    );
  }

  get role(): ModuleRole {
    return this.deps.role;
  }

  /**
   * Whether a change to `file` (added, changed or removed) should load this
   * module again: its own file, a file its serving version or its last
   * attempt imported, or a file a failed import looked for.
   */
  dependsOn(file: string): boolean {
    if (file === this.file) return true;
    for (const files of [this.servingFiles, this.attemptFiles]) {
      if (files.read.has(file)) return true;
      for (const missing of files.missing) {
        if (file.startsWith(missing) && (file.length === missing.length || file[missing.length] === "." || file[missing.length] === path.sep)) return true;
      }
    }
    return false;
  }

  /** True once some version has loaded; events are then served. */
  get ready(): boolean {
    return this.current !== undefined;
  }

  get isDisabled(): boolean {
    return this.disabled;
  }

  /** True once the module was unloaded: it takes no more events. */
  get isUnloaded(): boolean {
    return this.disposed;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Over its high-water mark in events or bytes: callers that cannot pause a sender refuse more. */
  get busy(): boolean {
    return this.queue.length >= this.deps.maxQueuedEvents || this.queue.bytes >= this.deps.maxQueuedBytes;
  }

  /** Events in the dispatch now running. */
  get running(): number {
    return this.runningEvents;
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

  /**
   * Loads the file again; on failure the last good version keeps serving.
   * Calls are serialised. New code earns inline dispatch afresh; `fileChanged`
   * false (the same file, after the isolate was lost) keeps what it had.
   */
  reload(fileChanged = true): Promise<LoadResult> {
    const next = (this.loadChain ?? Promise.resolve()).then(() => this.load(fileChanged));
    this.loadChain = next.catch(() => ({ ok: false }) as LoadResult);
    return next;
  }

  /**
   * Queues an event. Returns true when the module's queue, or this peer's share
   * of it, is over its high-water mark (in events or bytes): the caller should
   * stop reading from the peer and pass a resume function to holdBack().
   * One peer may hold a quarter of the module's limits, so a flooding peer is
   * paused while the others go on.
   */
  enqueue(kind: EventKind, peerKind: string, peerId: string, where: string, payload: unknown, code: number): boolean {
    if (this.disposed || this.disabled) return false;
    const key = peerKey(peerKind, peerId);
    this.queue.push(kind, peerKind, peerId, where, payload, code, key);
    if (this.mayRunNow()) this.runNow();
    else this.scheduleDrain();
    const { maxQueuedEvents, maxQueuedBytes } = this.deps;
    return (
      this.queue.length >= maxQueuedEvents ||
      this.queue.bytes >= maxQueuedBytes ||
      this.queue.peerLength(key) >= Math.max(1, maxQueuedEvents / 4) ||
      this.queue.peerBytes(key) >= maxQueuedBytes / 4
    );
  }

  /** Calls `resume` once the peer's queue and the module's have drained below half their high-water marks. */
  holdBack(peerKindAndId: { peerKind: string; peerId: string }, resume: () => void): void {
    this.heldBack.set(peerKey(peerKindAndId.peerKind, peerKindAndId.peerId), resume);
  }

  private releaseHeldBack(): void {
    const { maxQueuedEvents, maxQueuedBytes } = this.deps;
    if (this.heldBack.size === 0 || this.queue.length > maxQueuedEvents / 2 || this.queue.bytes > maxQueuedBytes / 2) return;
    for (const [key, resume] of this.heldBack) {
      if (this.queue.peerLength(key) > maxQueuedEvents / 8 || this.queue.peerBytes(key) > maxQueuedBytes / 8) continue;
      this.heldBack.delete(key);
      resume();
    }
  }

  /**
   * Calls `listener` once, when the context now serving is replaced (a reload)
   * or the module is unloaded: what its code started on the host (waiters of
   * net/v4/events, say) ends with it. Returns the cancel.
   */
  onRelease(listener: (reason: "reloaded" | "unloaded") => void): () => void {
    this.releaseListeners.add(listener);
    return () => void this.releaseListeners.delete(listener);
  }

  /**
   * Calls `listener` after every successful load: the module serves again
   * (first load, reload, restart after a crash, re-enabled). Returns the cancel.
   */
  onServing(listener: () => void): () => void {
    this.servingListeners.add(listener);
    return () => void this.servingListeners.delete(listener);
  }

  private release(reason: "reloaded" | "unloaded"): void {
    const listeners = [...this.releaseListeners];
    this.releaseListeners.clear();
    for (const listener of listeners) {
      try {
        listener(reason);
      } catch (error) {
        this.deps.log.error({ handler: this.key, err: error }, `releasing what ${this.key} held failed`);
      }
    }
  }

  dispose(): void {
    this.disposed = true;
    this.release("unloaded");
    this.servingListeners.clear();
    this.failWaiting(503, `${this.key} was unloaded`);
    this.requests.rejectAll("the handler was unloaded");
    this.logBudget.dispose();
    this.heldBack.clear();
    this.timers.clearAll();
    this.current?.dispose();
    this.current = undefined;
  }

  private async load(fileChanged: boolean): Promise<LoadResult> {
    if (this.disposed) return { ok: false, error: this.closedError() };
    const started = performance.now();
    const isolate = this.isolate;
    // Until the new context exists its output counts as current (it is loading to become so), unless its load failed.
    let context: GuestContext | undefined;
    let failed = false;
    const caller: CallerContext = {
      isCurrent: () => (context === undefined ? !failed : context === this.current),
      isServing: () => context !== undefined && context === this.current,
    };
    const hostCall = this.deps.hostCallFor(this, caller);
    const attempt = await loadHandlerFile({
      isolate,
      key: this.key,
      file: this.file,
      hostCall,
      limits: this.deps.limits,
      capabilities: this.deps.capabilities,
      onDemand: this.deps.role === "service",
      serving: this.current !== undefined,
    });
    this.attemptFiles = attempt.files;
    if (!attempt.ok) {
      failed = true;
      this.lastError = attempt.error;
      return attempt;
    }
    this.servingFiles = attempt.files;
    const { loaded, positions } = attempt;
    context = loaded.context;
    if (this.disposed) {
      loaded.context.dispose();
      return { ok: false, error: this.closedError() };
    }
    this.swap(loaded.context);
    this.hooks = new Set(loaded.hooks);
    if (fileChanged) this.inline.reset();
    this.positions = positions;
    this.isolateGeneration = isolate.generation;
    this.servingIsolate = isolate;
    if (loaded.output.text) this.deps.applyOutbox(this, loaded.output, loaded.context);
    this.lastError = undefined;
    this.disabled = false;
    // New code over live connections: its onReload rebuilds what the old code kept (first, before their events).
    if (this.loads > 0 && this.deps.role === "handler") this.queue.unshift([EventKind.reload, PeerKind.none, "", "", "", 0]);
    this.loads++;
    this.scheduleDrain();
    for (const listener of [...this.servingListeners]) {
      try {
        listener();
      } catch (error) {
        this.deps.log.error({ handler: this.key, err: error }, `telling what waits for ${this.key} that it serves failed`);
      }
    }
    return { ok: true, ms: performance.now() - started };
  }

  private closedError(): AerostatError {
    return new AerostatError(UserErrorCodes.HANDLER_LOAD, "the handler was unloaded", { file: this.key });
  }

  private swap(next: GuestContext): void {
    const previous = this.current;
    this.current = next;
    this.contextGeneration++;
    this.requests.rejectAll("the handler was reloaded");
    if (previous) this.release("reloaded");
    // Timers belong to the old code; its queued timer events go with it.
    this.timers.clearAll();
    this.queue.dropTimers();
    // A context with a dispatch in flight is disposed when that dispatch returns.
    if (previous && previous !== this.inFlight) previous.dispose();
  }

  private scheduleDrain(): void {
    if (this.draining || !this.current || this.queue.length === 0) return;
    this.draining = true;
    // After this turn's I/O: events raised in the same turn (every socket read's frames) join one batch,
    // and a lone event does not wait for the event loop to go round. Under load, batches also form while
    // one is in flight.
    setImmediate(this.startDrain);
  }

  private readonly startDrain = (): void => {
    void this.drain().catch((error: unknown) => this.deps.log.error({ handler: this.key, err: error }, "dispatch loop failed"));
  };

  /** Output of code after an await that came while a batch ran: applied after the batch's own output. */
  private heldOutput: (() => void)[] = [];

  /**
   * Applies output of code after an await (a flush): at once between batches;
   * while a batch runs, after that batch's own output, which was produced
   * first (the flush reaches the host before the dispatch's answer does).
   */
  applyLate(apply: () => void): void {
    if (this.inFlight) this.heldOutput.push(apply);
    else apply();
  }

  private applyHeldOutput(): void {
    if (this.heldOutput.length === 0) return;
    const held = this.heldOutput;
    this.heldOutput = [];
    for (const apply of held) {
      try {
        apply();
      } catch (error) {
        this.deps.log.error({ handler: this.key, err: error }, "applying the handler's outgoing operations failed");
      }
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0 && this.current && !this.disposed) {
        const ctx = this.current;
        const batch = this.queue.take(MAX_BATCH, MAX_BATCH_BYTES);
        this.inFlight = ctx;
        this.runningEvents = batch.length / EVENT_STRIDE;
        try {
          if (this.servingIsolate.idle && this.inline.allows(batch.length / EVENT_STRIDE)) this.runInline(ctx, batch);
          else await this.runOnWorker(ctx, batch);
        } finally {
          this.inFlight = undefined;
          this.runningEvents = 0;
          this.applyHeldOutput();
        }
        if (ctx !== this.current) ctx.dispose();
        this.releaseHeldBack();
      }
    } finally {
      this.draining = false;
      // Events a batch in flight gave back after the module was unloaded: their peers hear it now.
      if (this.disposed) {
        this.failWaiting(503, `${this.key} was unloaded`);
        this.queue.clear();
      }
      // Events queued while the last batch was finishing (or left by a failure).
      this.scheduleDrain();
    }
  }

  /**
   * A lone event may run at once, inside the I/O callback that raised it, when
   * the module has earned inline dispatch and nothing else of it ran in this
   * turn of the event loop. Later events of the same turn gather into a batch
   * (scheduleDrain), so under load batches still form.
   */
  private mayRunNow(): boolean {
    return (
      !this.draining && !this.turnBusy && this.current !== undefined && this.queue.length === 1 && this.servingIsolate.idle && this.inline.allows(1)
    );
  }

  private turnBusy = false;
  private readonly endTurn = (): void => {
    this.turnBusy = false;
  };

  /** drain() runs synchronously up to its first await, so a lone inline batch runs here and now. */
  private runNow(): void {
    this.turnBusy = true;
    setImmediate(this.endTurn);
    this.draining = true;
    this.startDrain();
  }

  /** Runs a batch on the host's thread (inline-policy.ts). */
  private runInline(ctx: GuestContext, batch: unknown[]): void {
    this.deliverTimers(batch);
    const isolate = this.servingIsolate;
    const cpuBefore = isolate.cpuTime();
    let result: GuestOutput;
    try {
      result = isolate.runInline(() => ctx.dispatchInline(batch));
      this.inline.record(true, Number(isolate.cpuTime() - cpuBefore) / 1e6, batch.length / EVENT_STRIDE);
    } catch (error) {
      const failure = this.failureOf(batch, error, true);
      if (failure === "lost") return;
      let recovered: GuestOutput;
      try {
        recovered = isolate.runInline(() => ctx.recoverInline());
      } catch {
        recovered = NOTHING_DONE;
      }
      this.afterFailure(ctx, batch, failure, recovered, error);
      return;
    }
    this.finishBatch(ctx, batch, result);
  }

  /** Runs a batch on the isolate's worker thread: the host's event loop goes on meanwhile. */
  private async runOnWorker(ctx: GuestContext, batch: unknown[]): Promise<void> {
    this.deliverTimers(batch);
    const isolate = this.servingIsolate;
    const cpuBefore = isolate.cpuTime();
    let result: GuestOutput;
    try {
      result = await isolate.track(() => ctx.dispatch(batch));
      this.inline.record(false, Number(isolate.cpuTime() - cpuBefore) / 1e6, batch.length / EVENT_STRIDE);
    } catch (error) {
      const failure = this.failureOf(batch, error, false);
      if (failure === "lost") return;
      const recovered = await isolate.track(() => ctx.recover()).catch(() => NOTHING_DONE);
      this.afterFailure(ctx, batch, failure, recovered, error);
      return;
    }
    this.finishBatch(ctx, batch, result);
  }

  private deliverTimers(batch: unknown[]): void {
    for (let i = 0; i < batch.length; i += EVENT_STRIDE) {
      if (batch[i] === EventKind.timer) this.timers.delivered(batch[i + 5] as number);
    }
  }

  /**
   * Why a dispatch threw: stopped at the CPU limit; its isolate lost (dealt
   * with here); or, with the isolate alive, a promise rejected with no handler
   * (isolated-vm throws the first one after the call's microtasks, even when
   * every event had run and answered).
   */
  private failureOf(batch: unknown[], error: unknown, inline: boolean): "stopped" | "lost" | "rejected" {
    // Stopped at the CPU limit: never inline again with this code. (An isolate that died under it
    // restarts the project; repeated crashes disable it.)
    if (isTimeout(error)) this.inline.record(inline, Number.POSITIVE_INFINITY);
    if (!this.servingIsolate.alive || this.isolateGeneration !== this.servingIsolate.generation) {
      this.onIsolateLost(batch, error);
      return "lost";
    }
    return isTimeout(error) ? "stopped" : "rejected";
  }

  /** What recover() gave back after a stop or a rejection, applied (or, for a rejection it cannot rescue, the batch dropped). */
  private afterFailure(ctx: GuestContext, batch: unknown[], failure: "stopped" | "rejected", recovered: GuestOutput, error: unknown): void {
    if (failure === "rejected" && !this.rescued(batch, recovered, error)) return;
    // V8's stack at the stop names where the code was running: the stop is reported there.
    this.finishBatch(ctx, batch, recovered, failure === "stopped" ? String((error as Error)?.stack ?? "") : undefined);
  }

  /**
   * After an unhandled rejection, recover() gave back what the dispatch had
   * answered: that is applied, and the rejection reported as the handler's
   * fault. When the dispatch had not answered (done 0), its events are dropped.
   */
  private rescued(batch: unknown[], result: GuestOutput, error: unknown): boolean {
    if (readDispatchResult(result.text).done > 0) {
      this.deps.reportRejection(this, error);
      return true;
    }
    this.dropBatch(batch, error);
    return false;
  }

  private dropBatch(batch: unknown[], error: unknown): void {
    for (let i = 0; i < batch.length; i += EVENT_STRIDE) {
      const peerKind = batch[i + 1] as string;
      if (peerKind !== PeerKind.none && !HOOKED_PEERS.has(peerKind)) {
        this.deps.eventFailed(this, peerKind, batch[i + 2] as string, 500, "the sandbox could not run the event");
      }
    }
    this.deps.log.error(
      { handler: this.key, events: batch.length / EVENT_STRIDE, reason: String((error as Error)?.message ?? error) },
      "a dispatch into the sandbox failed; its events were dropped",
    );
  }

  /** `stoppedAt`: the batch was stopped at the CPU limit, with this stack. */
  private finishBatch(ctx: GuestContext, batch: unknown[], result: GuestOutput, stoppedAt?: string): void {
    const { done, endedAsync, outbox } = readDispatchResult(result.text);
    if (outbox) {
      try {
        this.deps.applyOutbox(this, { text: outbox, binaries: result.binaries }, ctx);
      } catch (error) {
        this.deps.log.error({ handler: this.key, err: error }, "applying the handler's outgoing operations failed");
      }
    }
    if (stoppedAt !== undefined) {
      this.queue.unshift(batch.slice((done + 1) * EVENT_STRIDE));
      this.onTimeout(batch, done, endedAsync, stoppedAt);
    } else if (done * EVENT_STRIDE < batch.length) {
      // The batch used its time slice or output budget, or an event went async; the rest go next round.
      this.queue.unshift(batch.slice(done * EVENT_STRIDE));
    }
  }

  private onTimeout(batch: unknown[], index: number, endedAsync: boolean, stack: string): void {
    const described = describeStop(batch, index, endedAsync, this.deps.limits.cpuLimitMs, this.deps.capabilities);
    const { requestId, tellPeer } = described;
    const at = this.positions.firstUserFrame(stack);
    const stop: CpuStop = at ? { ...described.stop, at: `${at.file}:${at.line}:${at.column}` } : described.stop;
    // The handler hears about it through onError, before the events that were waiting behind it.
    if (tellPeer && HOOKED_PEERS.has(stop.peerKind)) this.queue.unshift([EventKind.error, stop.peerKind, stop.peerId, stop.where, stop.text, 0]);
    else if (tellPeer) this.deps.eventFailed(this, stop.peerKind, stop.peerId, 500, stop.text);
    if (requestId !== undefined) this.requests.answer(requestId, false, JSON.stringify({ name: "Error", message: stop.text.replace(/^Error: /, "") }));
    this.deps.reportStop(this, stop);
  }

  private onIsolateLost(batch: unknown[], error: unknown): void {
    const reason = String((error as Error)?.message ?? error);
    // Each connection whose event was in flight hears about it, once the fresh context runs.
    for (let i = 0; i < batch.length; i += EVENT_STRIDE) {
      const kind = batch[i] as EventKind;
      const peerKind = batch[i + 1] as string;
      if (peerKind === PeerKind.none || kind === EventKind.error || kind === EventKind.close) continue;
      const text = `Error: the sandbox was restarted (${reason}); this ${eventMethod(kind, batch[i + 4], this.deps.capabilities)} event was lost`;
      if (!HOOKED_PEERS.has(peerKind)) {
        this.deps.eventFailed(this, peerKind, batch[i + 2] as string, 503, text);
        continue;
      }
      this.queue.push(EventKind.error, peerKind, batch[i + 2] as string, batch[i + 3] as string, text, 0);
    }
    this.deps.isolateLost(this, this.isolateGeneration, reason);
  }

  /**
   * Asks the module's `hook` with JSON-safe `args` (and the peer, when the
   * question is about one), and resolves with what it returned (or its
   * Promise's value); rejects with a HookError carrying what it threw (name,
   * message, own fields, never the stack), or a TimeoutError.
   */
  request(
    hook: string,
    args: readonly unknown[],
    timeoutMs: number,
    peer?: { kind: string; id: string; where: string; at?: number },
    raw = false,
    /** What the hook throws is also reported as its fault (logged with file:line, on the dashboard), as an event hook's throw is. */
    reportFaults = false,
  ): Promise<unknown> {
    if (this.disposed || this.disabled) return Promise.reject(new Error(`aerostat: ${this.key} is not serving; ${hook} was not asked`));
    const payload = JSON.stringify(reportFaults ? [hook, args, peer?.at ?? null, 1] : peer?.at === undefined ? [hook, args] : [hook, args, peer.at]);
    return this.requests.ask(
      hook,
      timeoutMs,
      (id) => this.enqueue(EventKind.request, peer?.kind ?? PeerKind.none, peer?.id ?? "", peer?.where ?? "", payload, id),
      raw,
    );
  }

  /** request(), answered with the hook's return value as JSON text (undefined when it returned nothing). */
  requestJson(hook: string, args: readonly unknown[], timeoutMs: number, peer?: { kind: string; id: string; where: string; at?: number }): Promise<string | undefined> {
    return this.request(hook, args, timeoutMs, peer, true) as Promise<string | undefined>;
  }

  /**
   * Loads the module into another isolate, as a reload does: the old context
   * serves until the new one is ready, sessions stay open, module state and
   * timers start afresh. If it does not load there, it stays where it was.
   */
  async moveTo(isolate: ProjectIsolate, group: string): Promise<LoadResult> {
    const before = { isolate: this.isolate, group: this.isolateGroup };
    this.isolate = isolate;
    this.isolateGroup = group;
    const result = await this.reload(false);
    if (!result.ok && this.servingIsolate === before.isolate) {
      this.isolate = before.isolate;
      this.isolateGroup = before.group;
    }
    return result;
  }

  /** The context died with its isolate: drop it and load again into a fresh isolate. */
  restart(): Promise<LoadResult> {
    this.requests.rejectAll("the sandbox was restarted");
    this.current = undefined;
    this.timers.clearAll();
    this.queue.dropTimers();
    return this.reload(false);
  }

  /** Peers with no onError (HTTP requests) whose events wait hear `status` and `text` now; the rest drop silently with the queue. */
  private failWaiting(status: number, text: string): void {
    for (const [peerKind, peerId] of this.queue.waitingPeers()) {
      if (peerKind !== PeerKind.none && !HOOKED_PEERS.has(peerKind)) this.deps.eventFailed(this, peerKind, peerId, status, text);
    }
  }

  /** Stops serving until the next successful reload; queued events are dropped. */
  disable(error: AerostatError): void {
    this.failWaiting(503, `${this.key} is disabled: ${error.message}`);
    this.requests.rejectAll("the handler was disabled");
    this.current?.dispose();
    this.current = undefined;
    this.timers.clearAll();
    this.queue.clear();
    this.lastError = error;
    this.disabled = true;
  }

}

/**
 * Reads dispatch's "<done>[a]|<outbox>": how many events ran to the end (or
 * the index of the one stopped), whether the last one went async, and the
 * outbox of what finished.
 */
function readDispatchResult(result: string): { done: number; endedAsync: boolean; outbox: string } {
  const bar = result.indexOf("|");
  const head = bar === -1 ? result : result.slice(0, bar);
  return {
    done: Number.parseInt(head, 10) || 0,
    endedAsync: head.endsWith("a"),
    outbox: bar === -1 ? "" : result.slice(bar + 1),
  };
}


