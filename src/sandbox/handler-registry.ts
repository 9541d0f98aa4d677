import { AerostatError, UserErrorCodes } from "../errors/codes.js";
import type { Logger } from "../log/logger.js";
import type { ContextCapability, ContextLimits, GuestOutput, HostCall } from "./guest-context.js";
import type { IsolateMode } from "../config/descriptor.js";
import { HandlerModule, type CallerContext, type CpuStop, type LoadResult, type ModuleRole } from "./handler-module.js";
import { ProjectIsolate, type IsolateStats } from "./project-isolate.js";
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
  hostCallFor(module: HandlerModule, caller: CallerContext): HostCall;
  applyOutbox(module: HandlerModule, output: GuestOutput, isCurrent: boolean): void;
  onLoaded(module: HandlerModule, result: LoadResult): void;
  /** An event ran past the CPU limit and was stopped. */
  reportStop(module: HandlerModule, stop: CpuStop): void;
  /** A module rejected a promise nobody handled. */
  reportRejection(module: HandlerModule, error: unknown): void;
  /** Crashes of one isolate within a minute before its handlers are disabled. */
  readonly maxCrashesPerMinute: number;
  /** The handlers of an isolate (by key) were disabled after repeated crashes. */
  onDisabled(project: string, handlers: ReadonlySet<string>, error: AerostatError): void;
  /** An event of a peer with no onError (an HTTP request) was stopped or lost. */
  eventFailed(module: HandlerModule, peerKind: string, peerId: string, status: number, text: string): void;
}

/**
 * The isolate a module runs in: its project folder's, shared with the
 * folder's other handlers (the default), or one of its own.
 */
function isolateGroup(handler: ResolvedHandler, mode: IsolateMode): string {
  return mode === "own" ? `own:${handler.key}` : `folder:${handler.project}`;
}

/** Loaded handler modules by key, and their isolates: one per project folder, plus one per handler that asks for its own. */
export class HandlerRegistry {
  private readonly modules = new Map<string, HandlerModule>();
  /** Isolates by group (isolateGroup()). */
  private readonly isolates = new Map<string, ProjectIsolate>();
  private readonly firstLoads = new Map<string, Promise<LoadResult>>();
  /** Per isolate group: times of recent isolate crashes, and the last generation counted. */
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
   *
   * `isolate` is what a descriptor asks for; without one (an outgoing client's
   * handler, a script service) a module keeps the isolate it has, or gets its
   * folder's. A module whose descriptor changes its mind moves: it loads
   * again in the other isolate (like a reload; sessions stay open).
   */
  ensure(handler: ResolvedHandler, role: ModuleRole = "handler", isolate?: IsolateMode): HandlerModule {
    const existing = this.modules.get(handler.key);
    if (existing && (existing.role === role || role === "service")) {
      if (isolate && existing.isolateGroup !== isolateGroup(handler, isolate)) this.move(existing, handler, isolate);
      return existing;
    }
    if (existing) {
      existing.dispose();
      this.modules.delete(handler.key);
      this.releaseIsolate(existing.isolateGroup);
    }
    const group = isolateGroup(handler, isolate ?? "shared");
    const module: HandlerModule = new HandlerModule(handler.key, handler.file, handler.project, {
      role,
      isolate: this.isolateFor(group, handler),
      isolateGroup: group,
      limits: this.deps.limits,
      maxQueuedEvents: this.deps.maxQueuedEvents,
      maxQueuedBytes: this.deps.maxQueuedBytes,
      inlineDispatch: this.deps.inlineDispatch,
      inlineStrikes: [this.projectStrikes(group), this.runtimeStrikes],
      log: this.deps.log,
      capabilities: this.deps.capabilities,
      hostCallFor: (m, caller) => this.deps.hostCallFor(m, caller),
      applyOutbox: (m, output, from) => this.deps.applyOutbox(m, output, from === m.currentContext),
      reportStop: (m, stop) => this.deps.reportStop(m, stop),
      reportRejection: (m, error) => this.deps.reportRejection(m, error),
      isolateLost: (m, generation, reason) => this.onIsolateLost(m.isolateGroup, generation, reason),
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
   * Loads a module again after its file changed. A good load re-enables the
   * modules of its isolate, disabled by crashes.
   */
  reload(module: HandlerModule): Promise<LoadResult> {
    return module.reload().then((result) => {
      this.deps.onLoaded(module, result);
      if (result.ok && this.crashes.delete(module.isolateGroup)) {
        for (const m of this.all()) {
          if (m.isolateGroup === module.isolateGroup && m.isDisabled) this.restart(m);
        }
      }
      return result;
    });
  }

  /** Moves a module to the isolate `mode` says; its old isolate goes when nothing else uses it. */
  private move(module: HandlerModule, handler: ResolvedHandler, mode: IsolateMode): void {
    const before = module.isolateGroup;
    const group = isolateGroup(handler, mode);
    const target = this.isolateFor(group, handler);
    this.firstLoads.set(
      module.key,
      module.moveTo(target, group).then((result) => {
        this.deps.onLoaded(module, result);
        this.releaseIsolate(result.ok ? before : group);
        if (result.ok) {
          const where = mode === "own" ? "an isolate of its own" : `its folder's isolate ("${target.name}")`;
          this.deps.log.info({ handler: module.key, isolate: mode }, `${module.key} now runs in ${where}`);
        }
        return result;
      }),
    );
  }

  /** What each isolate holds and has used, for the dashboard. */
  isolateStats(): IsolateStats[] {
    return [...this.isolates].map(([group, isolate]) => {
      const modules = this.all().filter((m) => m.isolateGroup === group);
      return isolate.stats(
        modules.map((m) => m.key),
        modules.some((m) => m.isDisabled),
      );
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
   * An isolate died (heap limit, most likely). Every module in it restarts in
   * a fresh isolate, unless the isolate keeps crashing: then its modules are
   * disabled until one of their files changes. Modules in other isolates (of
   * other folders, or with isolates of their own) never notice.
   */
  private onIsolateLost(group: string, generation: number, reason: string): void {
    const record = this.crashes.get(group) ?? { times: [], generation: 0 };
    if (record.generation === generation) return; // another module already reported this death
    const now = Date.now();
    record.generation = generation;
    record.times = record.times.filter((t) => now - t < 60_000).concat(now);
    this.crashes.set(group, record);
    const modules = this.all().filter((m) => m.isolateGroup === group);
    const isolate = this.isolates.get(group);
    const name = isolate?.name ?? group;
    const project = modules[0]?.project ?? "";
    if (record.times.length >= this.deps.maxCrashesPerMinute) {
      const error = new AerostatError(
        UserErrorCodes.HANDLER_CRASHED,
        `disabled: the sandbox of ${isolate?.owner ? `handler ${name}` : `project folder "${name}"`} crashed ${record.times.length} times within a minute ` +
          `(last: ${reason}). Fix the script and save it to enable it again.`,
        { file: modules[0]?.key ?? name },
      );
      for (const m of modules) m.disable(error);
      this.deps.onDisabled(project, new Set(modules.map((m) => m.key)), error);
      return;
    }
    this.deps.log.error({ project: project || "(root)", isolate: name, reason, modules: modules.length }, `the sandbox of "${name}" crashed; restarting its handlers`);
    for (const m of modules) this.restart(m);
  }

  private restart(module: HandlerModule): void {
    module
      .restart()
      .then((result) => this.deps.onLoaded(module, result))
      .catch((error: unknown) => this.deps.log.error({ handler: module.key, err: error }, "restarting the handler failed"));
  }

  private isolateFor(group: string, handler: ResolvedHandler): ProjectIsolate {
    let isolate = this.isolates.get(group);
    if (!isolate) {
      const own = group.startsWith("own:");
      isolate = new ProjectIsolate(own ? handler.key : handler.project || "(root)", this.deps.memoryLimitMb, this.deps.log, own);
      this.isolates.set(group, isolate);
    }
    return isolate;
  }

  /** Disposes the isolate of `group` once no module runs in it. */
  private releaseIsolate(group: string): void {
    if (this.all().some((m) => m.isolateGroup === group)) return;
    this.isolates.get(group)?.dispose();
    this.isolates.delete(group);
    this.crashes.delete(group);
    this.strikes.delete(group);
  }
}
