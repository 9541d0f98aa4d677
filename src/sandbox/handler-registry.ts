import type { Logger } from "../log/logger.js";
import type { ResolvedHandler } from "../project/handler-path.js";
import type { ContextLimits, HostCall } from "./guest-context.js";
import { HandlerModule, type LoadResult } from "./handler-module.js";
import { ProjectIsolate } from "./project-isolate.js";

export interface RegistryDeps {
  readonly limits: ContextLimits;
  readonly maxQueuedEvents: number;
  readonly memoryLimitMb: number;
  readonly log: Logger;
  hostCallFor(module: HandlerModule): HostCall;
  applyOutbox(module: HandlerModule, text: string, isCurrent: boolean): void;
  onLoaded(module: HandlerModule, result: LoadResult): void;
}

/** Loaded handler modules by key, and one isolate per project folder. */
export class HandlerRegistry {
  private readonly modules = new Map<string, HandlerModule>();
  private readonly isolates = new Map<string, ProjectIsolate>();
  private readonly firstLoads = new Map<string, Promise<LoadResult>>();

  constructor(private readonly deps: RegistryDeps) {}

  /** The module for a resolved handler, created and loaded on first use. */
  ensure(handler: ResolvedHandler): HandlerModule {
    const existing = this.modules.get(handler.key);
    if (existing) return existing;
    const isolate = this.isolateFor(handler.project);
    const module: HandlerModule = new HandlerModule(handler.key, handler.file, handler.project, {
      isolate,
      limits: this.deps.limits,
      maxQueuedEvents: this.deps.maxQueuedEvents,
      log: this.deps.log,
      hostCallFor: (m) => this.deps.hostCallFor(m),
      applyOutbox: (m, text, from) => this.deps.applyOutbox(m, text, from === m.currentContext),
    });
    this.modules.set(handler.key, module);
    this.firstLoads.set(handler.key, this.reload(module));
    return module;
  }

  /** Resolves when the module's first load attempt is over. */
  loaded(key: string): Promise<LoadResult> | undefined {
    return this.firstLoads.get(key);
  }

  reload(module: HandlerModule): Promise<LoadResult> {
    return module.reload().then((result) => {
      this.deps.onLoaded(module, result);
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

  private isolateFor(project: string): ProjectIsolate {
    let isolate = this.isolates.get(project);
    if (!isolate) {
      isolate = new ProjectIsolate(project || "(root)", this.deps.memoryLimitMb, this.deps.log);
      this.isolates.set(project, isolate);
    }
    return isolate;
  }
}
