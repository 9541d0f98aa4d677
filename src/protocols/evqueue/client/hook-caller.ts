import type { Logger } from "../../../log/logger.js";
import type { HandlerFault } from "../../../ops/services.js";
import { PeerKind } from "../../../protocol/events.js";
import type { CallerContext, HandlerModule } from "../../../sandbox/handler-module.js";
import { HookError } from "../../../sandbox/requests.js";

/** What asking a cluster's hooks needs. */
export interface HookCallerDeps {
  readonly module: HandlerModule;
  /** The context that made the cluster: hooks are asked only while it serves. */
  readonly caller: CallerContext;
  readonly timeoutMs: number;
  readonly log: Logger;
  reportFault(fault: HandlerFault): void;
  /** The context is gone: the cluster closes. */
  gone(): void;
}

/** Questions held while the context that made the cluster is still loading, at most. */
const MAX_HELD = 1000;

/**
 * Asks a cluster's hooks (onEvqueueEvent, onEvqueueState, or the names the
 * script chose) through module.request, so each runs under the CPU limit
 * and within a timeout. A throw is reported by the sandbox with its
 * file:line; a missing hook is said once per load of the module; a timeout
 * is reported as the hook's fault. Until the context that made the cluster
 * serves (its top level is still running), questions wait.
 */
export class HookCaller {
  private held: { run: () => void; drop: () => void }[] = [];
  private readonly warned = new Set<string>();
  private closed = false;

  constructor(private readonly deps: HookCallerDeps) {}

  /**
   * Asks `hook` with `args`; resolves once it answered, threw or failed
   * (never rejects). `named`: the script chose the name (so it is no hook the
   * host knows of); `required`: a missing hook is worth a warning (events are,
   * state changes are not).
   */
  ask(hook: string, named: boolean, required: boolean, args: unknown[], where: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    const { caller, module } = this.deps;
    if (!caller.isCurrent()) {
      this.deps.gone();
      return Promise.resolve();
    }
    if (!caller.isServing()) {
      if (this.held.length >= MAX_HELD) this.held.shift()!.drop();
      return new Promise((resolve) => this.held.push({ run: () => void this.ask(hook, named, required, args, where).then(resolve), drop: resolve }));
    }
    // A module that exports none of the known hooks runs its top level for any question (Dirigible's way): never ask it.
    const exported = module.hooks.has(hook) || (named && module.hooks.size > 0);
    if (!exported) {
      if (required) this.missing(hook, where);
      return Promise.resolve();
    }
    return module.request(hook, args, this.deps.timeoutMs, { kind: PeerKind.none, id: "", where }, false, true).then(
      () => undefined,
      (error: unknown) => this.failed(hook, where, error),
    );
  }

  /** The context serves now: what waited is asked. */
  serving(): void {
    const held = this.held;
    this.held = [];
    for (const entry of held) entry.run();
  }

  /** Nothing more is asked; what waited resolves unasked. */
  close(): void {
    this.closed = true;
    const held = this.held;
    this.held = [];
    for (const entry of held) entry.drop();
  }

  private failed(hook: string, where: string, error: unknown): void {
    if (error instanceof HookError) {
      // A throw was reported by the sandbox (file:line); a CPU stop by the host.
      if (error.name === "HookMissingError") this.missing(hook, where);
      return;
    }
    const e = error as Error;
    if (e?.name === "TimeoutError") {
      this.fault(hook, where, `TimeoutError: ${e.message}`);
      return;
    }
    // The module reloaded or went away meanwhile: the cluster goes with it.
    this.deps.log.debug({ handler: this.deps.module.key, hook, err: error }, `${hook} was not answered`);
  }

  /** Said once per hook and load of the module. */
  private missing(hook: string, where: string): void {
    const { module } = this.deps;
    const key = `${hook}@${module.loads}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.fault(
      hook,
      where,
      `HookMissingError: ${module.key} gets evQueue events from createCluster but exports no ${hook}: export ${hook}(node, info) from it ` +
        "(or name another exported function in createCluster's options.onEvent). Until it does, each event is acknowledged unhandled (said once per load).",
    );
  }

  private fault(hook: string, where: string, error: string): void {
    const { module } = this.deps;
    this.deps.reportFault({ project: module.project, handler: module.key, peerKind: PeerKind.none, peerId: "", where, method: hook, error, at: module.key });
  }
}
