import { AerostatError, UserErrorCodes } from "../errors/codes.js";
import type { Logger } from "../log/logger.js";
import type { ContextCapability, ContextLimits, GuestOutput, HostCall } from "./guest-context.js";
import { HandlerModule, type CpuStop, type LoadResult, type ModuleRole } from "./handler-module.js";
import { ProjectIsolate } from "./project-isolate.js";
import { InlineStrikes, MAX_PROJECT_STRIKES, MAX_RUNTIME_STRIKES } from "./inline-policy.js";

/** Where a handler path leads. */
export interface ResolvedHandler {
  /** Project-relative path with extension, "/"-separated: the module's identity. */
  readonly key: string;
  readonly file: string;
  /** Top-level project folder ("" for modules directly in the root). */
  readonly project: string;
}

export interface RegistryDeps {
  readonly limits: ContextLimits;
  readonly maxQueuedEvents: number;
  readonly maxQueuedBytes: number;
  /** Lone events of a module that earned it run on the host's thread (inline-policy.ts). */
  readonly inlineDispatch: boolean;
  readonly memoryLimitMb: number;
  readonly log: Logger;
  /** The capabilities every context gets. */
  readonly capabilities: readonly ContextCapability[];
  hostCallFor(module: HandlerModule, isCurrent: () => boolean): HostCall;
  applyOutbox(module: HandlerModule, output: GuestOutput, isCurrent: boolean): void;
  onLoaded(module: HandlerModule, result: LoadResult): void;
  /** An event ran past the CPU limit and was stopped. */
  reportStop(module: HandlerModule, stop: CpuStop): void;
  /** A module rejected a promise nobody handled. */
  reportRejection(module: HandlerModule, error: unknown): void;
  /** Isolate crashes per project within a minute before its handlers are disabled. */
  readonly maxCrashesPerMinute: number;
  /** A project's handlers were disabled after repeated crashes. */
  onDisabled(project: string, error: AerostatError): void;
  /** An event of a peer with no onError (an HTTP request) was stopped or lost. */
  eventFailed(module: HandlerModule, peerKind: string, peerId: string, status: number, text: string): void;
}

/** Loaded handler modules by key, and one isolate per project folder. */
export class HandlerRegistry {
  private readonly modules = new Map<string, HandlerModule>();
  private readonly isolates = new Map<string, ProjectIsolate>();
  private readonly firstLoads = new Map<string, Promise<LoadResult>>();
  /** Per project: times of recent isolate crashes, and the last generation counted. */
  private readonly crashes = new Map<string, { times: number[]; generation: number }>();

  /** Inline dispatch losses per project folder, and in all (inline-policy.ts). */
  private readonly strikes = new Map<string, InlineStrikes>();
  private readonly runtimeStrikes = new InlineStrikes(MAX_RUNTIME_STRIKES);

  constructor(private readonly deps: RegistryDeps) {}

  private projectStrikes(project: string): InlineStrikes {
    let s = this.strikes.get(project);
    if (!s) this.strikes.set(project, (s = new InlineStrikes(MAX_PROJECT_STRIKES)));
    return s;
  }

  /**
   * The module for a resolved handler, created and loaded on first use. A
   * file is a handler or a script service, never both: a descriptor or
   * createWebsocket naming a file served as a script service makes it a
   * handler; asked for as a service, a handler comes back as it is (the
   * caller refuses it).
   */
  ensure(handler: ResolvedHandler, role: ModuleRole = "handler"): HandlerModule {
    const existing = this.modules.get(handler.key);
    if (existing && (existing.role === role || role === "service")) return existing;
    if (existing) {
      existing.dispose();
      this.modules.delete(handler.key);
    }
    const isolate = this.isolateFor(handler.project);
    const module: HandlerModule = new HandlerModule(handler.key, handler.file, handler.project, {
      role,
      isolate,
      limits: this.deps.limits,
      maxQueuedEvents: this.deps.maxQueuedEvents,
      maxQueuedBytes: this.deps.maxQueuedBytes,
      inlineDispatch: this.deps.inlineDispatch,
      inlineStrikes: [this.projectStrikes(handler.project), this.runtimeStrikes],
      log: this.deps.log,
      capabilities: this.deps.capabilities,
      hostCallFor: (m, isCurrent) => this.deps.hostCallFor(m, isCurrent),
      applyOutbox: (m, output, from) => this.deps.applyOutbox(m, output, from === m.currentContext),
      reportStop: (m, stop) => this.deps.reportStop(m, stop),
      reportRejection: (m, error) => this.deps.reportRejection(m, error),
      isolateLost: (m, generation, reason) => this.onIsolateLost(m.project, generation, reason),
      eventFailed: (m, peerKind, peerId, status, text) => this.deps.eventFailed(m, peerKind, peerId, status, text),
    });
    this.modules.set(handler.key, module);
    this.firstLoads.set(handler.key, this.reload(module));
    return module;
  }

  /** Resolves when the module's first load attempt is over. */
  loaded(key: string): Promise<LoadResult> | undefined {
    return this.firstLoads.get(key);
  }

  /**
   * Loads a module again after its file changed. A good load re-enables a
   * project disabled by crashes.
   */
  reload(module: HandlerModule): Promise<LoadResult> {
    return module.reload().then((result) => {
      this.deps.onLoaded(module, result);
      if (result.ok && this.crashes.delete(module.project)) {
        for (const m of this.all()) {
          if (m.project === module.project && m.isDisabled) this.restart(m);
        }
      }
      return result;
    });
  }

  get(key: string): HandlerModule | undefined {
    return this.modules.get(key);
  }

  byFile(file: string): HandlerModule | undefined {
    for (const m of this.modules.values()) if (m.file === file) return m;
    return undefined;
  }

  /** Every module a change to `file` loads again: the one it is, and those that import it (HandlerModule.dependsOn). */
  dependents(file: string): HandlerModule[] {
    return this.all().filter((m) => m.dependsOn(file));
  }

  all(): HandlerModule[] {
    return [...this.modules.values()];
  }

  get idle(): boolean {
    return this.all().every((m) => m.idle);
  }

  disposeAll(): void {
    for (const m of this.modules.values()) m.dispose();
    for (const i of this.isolates.values()) i.dispose();
    this.modules.clear();
    this.isolates.clear();
  }

  /**
   * A project's isolate died (heap limit, most likely). Every module of the
   * project restarts in a fresh isolate, unless the project keeps crashing:
   * then its modules are disabled until one of its files changes.
   */
  private onIsolateLost(project: string, generation: number, reason: string): void {
    const record = this.crashes.get(project) ?? { times: [], generation: 0 };
    if (record.generation === generation) return; // another module already reported this death
    const now = Date.now();
    record.generation = generation;
    record.times = record.times.filter((t) => now - t < 60_000).concat(now);
    this.crashes.set(project, record);
    const modules = this.all().filter((m) => m.project === project);
    const name = project || "(root)";
    if (record.times.length >= this.deps.maxCrashesPerMinute) {
      const error = new AerostatError(
        UserErrorCodes.HANDLER_CRASHED,
        `disabled: the sandbox of project folder "${name}" crashed ${record.times.length} times within a minute ` +
          `(last: ${reason}). Fix the script and save it to enable it again.`,
        { file: modules[0]?.key ?? name },
      );
      for (const m of modules) m.disable(error);
      this.deps.onDisabled(project, error);
      return;
    }
    this.deps.log.error({ project: name, reason, modules: modules.length }, `the sandbox of "${name}" crashed; restarting its handlers`);
    for (const m of modules) this.restart(m);
  }

  private restart(module: HandlerModule): void {
    module
      .restart()
      .then((result) => this.deps.onLoaded(module, result))
      .catch((error: unknown) => this.deps.log.error({ handler: module.key, err: error }, "restarting the handler failed"));
  }

  private isolateFor(project: string): ProjectIsolate {
    let isolate = this.isolates.get(project);
    if (!isolate) {
      isolate = new ProjectIsolate(project || "(root)", this.deps.memoryLimitMb, this.deps.log);
      this.isolates.set(project, isolate);
    }
    return isolate;
  }
}
