import { isDeepStrictEqual } from "node:util";
import type { Descriptor } from "../config/descriptor.js";
import type { HistoryRule } from "../config/socketcluster-options.js";
import { AerostatError, UserErrorCodes } from "../errors/codes.js";
import type { Logger } from "../log/logger.js";
import type { EndpointTable } from "./endpoint-table.js";
import { projectOf, resolveHandler, type ResolvedHandler } from "./handler-path.js";
import type { HandlerModule } from "../sandbox/handler-module.js";
import type { HandlerRegistry } from "../sandbox/handler-registry.js";
import type { SessionRegistry } from "../peers/sessions.js";
import { CloseCodes } from "../protocol/close-codes.js";
import { closeSessionsLogged } from "../peers/close-sessions.js";

/** An endpoint being served, or held back by a problem with its handler. */
export interface Mount {
  readonly endpoint: string;
  readonly descriptor: Descriptor;
  readonly module?: HandlerModule;
  /** Why the endpoint cannot serve (its handler file is missing, say). */
  readonly problem?: AerostatError;
}


/**
 * Applies endpoint tables: mounts new endpoints, remounts changed ones and
 * unmounts removed ones, closing their sessions with a code that says why.
 */
export class MountTable {
  private readonly mounts = new Map<string, Mount>();
  private reportedConflicts = new Set<string>();
  /** Endpoints whose descriptor or handler had a problem reported: the next good load logs that they recovered. */
  private readonly troubled = new Set<string>();
  /** Endpoint → the last reason reported of what the server cannot serve of its descriptor. */
  private readonly unservable = new Map<string, string>();
  /** Endpoints whose descriptor names a handler that did not load: it takes over once it loads. */
  private readonly pending = new Map<string, { before: Mount; next: Mount }>();
  /** The socketcluster history rules of each project's mounted endpoints, made on first use after the mounts changed. */
  private historyByProject: Map<string, readonly HistoryRule[]> | undefined;

  constructor(
    private readonly root: string,
    private readonly registry: HandlerRegistry,
    private readonly sessions: SessionRegistry,
    private readonly log: Logger,
    private readonly onProblem: (error: AerostatError) => void,
    /**
     * What this server cannot serve of a descriptor that parsed (a connection it
     * was not given), if anything: reported once, and the endpoint serves the rest.
     */
    private readonly checkDescriptor?: (descriptor: Descriptor) => AerostatError | undefined,
  ) {}

  get(endpoint: string): Mount | undefined {
    return this.mounts.get(endpoint);
  }

  list(): Mount[] {
    return [...this.mounts.values()];
  }

  /** The history rules of `project`'s mounted socketcluster endpoints (asked on every publish: kept until the mounts change). */
  historyRules(project: string): readonly HistoryRule[] {
    if (!this.historyByProject) {
      this.historyByProject = new Map();
      for (const m of this.mounts.values()) {
        const rules = m.descriptor.socketcluster?.history;
        if (!rules || rules.length === 0) continue;
        const p = projectOf(m.descriptor.file);
        this.historyByProject.set(p, [...(this.historyByProject.get(p) ?? []), ...rules]);
      }
    }
    return this.historyByProject.get(project) ?? [];
  }

  private setMount(endpoint: string, mount: Mount): void {
    this.mounts.set(endpoint, mount);
    this.historyByProject = undefined;
  }

  private deleteMount(endpoint: string): void {
    this.mounts.delete(endpoint);
    this.historyByProject = undefined;
  }

  /** The smallest heartbeat or idle timeout among the mounted endpoints (4 s when none is set), for the liveness timer. */
  tightestLiveness(): number {
    const values = this.list().flatMap((m) => [m.descriptor.limits.heartbeatMs, m.descriptor.limits.idleTimeoutMs]).filter((v) => v > 0);
    return values.length ? Math.min(...values) : 4000;
  }

  /** Endpoint → the descriptor file mounted for it: the incumbents no other descriptor may displace. */
  servingDescriptors(): Map<string, string> {
    return new Map([...this.mounts].map(([endpoint, m]) => [endpoint, m.descriptor.file]));
  }

  /** Mounts what `table` says; resolves once every new handler's first load is over. */
  async apply(table: EndpointTable): Promise<void> {
    const loads: Promise<unknown>[] = [];
    const ownIsolate = this.handlersWithOwnIsolate(table);
    for (const [endpoint, descriptor] of table.endpoints) {
      const before = this.mounts.get(endpoint);
      const next = this.mountOne(endpoint, descriptor, ownIsolate);
      this.pending.delete(endpoint);
      // A serving endpoint is never taken down by a mistake in its descriptor: a handler path that leads
      // nowhere, or a new handler that does not load, leaves the old one serving and its sessions open.
      // (An endpoint that passes to another descriptor switches at once.)
      const sameDescriptor = before?.descriptor.file === descriptor.file;
      if (sameDescriptor && before?.module?.ready && next.problem) {
        if (next.problem.message !== before.problem?.message) this.onProblem(keptServing(next.problem, before));
        this.troubled.add(endpoint);
        this.setMount(endpoint, { ...before, problem: next.problem });
        continue;
      }
      if (sameDescriptor && before?.module?.ready && next.module && next.module !== before.module) {
        loads.push(this.switchWhenLoaded(endpoint, before, next));
        continue;
      }
      if (next.module) loads.push(this.registry.loaded(next.module.key) ?? Promise.resolve());
      if (before && before.module !== next.module) {
        this.closeSessions(endpoint, CloseCodes.serviceRestart, "endpoint handler changed; reconnect");
        if (before.module && next.module) this.logRepointed(endpoint, before.module, next.module, descriptor);
      } else if (before && protocolChanged(before.descriptor, descriptor)) {
        // Sessions keep the protocol and options they were accepted with: they reconnect to take the new ones.
        this.log.info({ endpoint, descriptor: descriptor.file }, `${descriptor.file}: the protocol or protocol options of ${endpoint} changed; its sessions reconnect`);
        this.closeSessions(endpoint, CloseCodes.serviceRestart, "endpoint protocol options changed; reconnect");
      }
      if (next.problem && next.problem.message !== before?.problem?.message) this.onProblem(next.problem);
      if (next.problem) this.troubled.add(endpoint);
      if (!before) this.log.info({ endpoint, handler: descriptor.handler, descriptor: descriptor.file }, `mounted ${endpoint}`);
      if (descriptor.engine !== "javascript" && (!before || before.descriptor.engine !== descriptor.engine)) {
        this.log.info(
          { endpoint, descriptor: descriptor.file, engine: descriptor.engine },
          `${descriptor.file}: engine "${descriptor.engine}" is served by aerostat's one JavaScript engine, as Dirigible ignores this field`,
        );
      }
      this.setMount(endpoint, next);
      if (next.module?.ready) this.recovered(endpoint, next.module);
    }
    for (const endpoint of [...this.mounts.keys()]) {
      if (table.endpoints.has(endpoint)) continue;
      this.deleteMount(endpoint);
      this.troubled.delete(endpoint);
      this.pending.delete(endpoint);
      this.closeSessions(endpoint, CloseCodes.goingAway, "endpoint removed");
      this.log.info({ endpoint }, `unmounted ${endpoint}`);
    }
    this.reportConflicts(table);
    await Promise.all(loads);
  }

  /** Mounts `next` once its handler has loaded; until then, and if it does not load, `before` serves. */
  private async switchWhenLoaded(endpoint: string, before: Mount, next: Mount): Promise<void> {
    const result = await (this.registry.loaded(next.module!.key) ?? Promise.resolve(undefined));
    if (this.mounts.get(endpoint) !== before) return; // changed again meanwhile
    if (!next.module!.ready) {
      const why = result && !result.ok ? result.error.message : "it did not load";
      this.log.warn(
        { endpoint, descriptor: next.descriptor.file, handler: next.descriptor.handler },
        `${next.descriptor.file}: ${endpoint} keeps serving ${before.module!.key}, because its new handler ${next.module!.key} did not load (${why})`,
      );
      this.troubled.add(endpoint);
      this.pending.set(endpoint, { before, next });
      return;
    }
    this.switchTo(endpoint, before, next);
  }

  /** `next` takes over from `before`: their sessions are asked to reconnect to the new handler. */
  private switchTo(endpoint: string, before: Mount, next: Mount): void {
    this.setMount(endpoint, next);
    this.closeSessions(endpoint, CloseCodes.serviceRestart, "endpoint handler changed; reconnect");
    this.logRepointed(endpoint, before.module!, next.module!, next.descriptor);
    this.recovered(endpoint, next.module!);
  }

  /** Closes an endpoint's sessions, logging one line with their count. */
  closeSessions(endpoint: string, code: number, reason: string): number {
    return closeSessionsLogged(this.sessions.forEndpoint(endpoint), code, reason, this.log, endpoint, { endpoint });
  }

  /**
   * A handler module finished a load: a failed one marks its endpoints as
   * troubled; a good one takes over the endpoints whose descriptor names it
   * but which kept serving their previous handler because it did not load,
   * and logs that each troubled endpoint it serves recovered.
   */
  handlerLoaded(module: HandlerModule, ok: boolean): void {
    for (const [endpoint, { before, next }] of this.pending) {
      if (!ok || next.module !== module || this.mounts.get(endpoint) !== before) continue;
      this.pending.delete(endpoint);
      this.switchTo(endpoint, before, next);
    }
    for (const m of this.mounts.values()) {
      if (m.module !== module) continue;
      if (!ok) this.troubled.add(m.endpoint);
      else if (!m.problem) this.recovered(m.endpoint, module);
    }
  }

  /** Handlers (by key) were disabled after repeated crashes of their isolate: their endpoints log when they recover. */
  handlersDisabled(handlers: ReadonlySet<string>): void {
    for (const m of this.mounts.values()) if (m.module && handlers.has(m.module.key)) this.troubled.add(m.endpoint);
  }

  private recovered(endpoint: string, module: HandlerModule): void {
    if (!this.troubled.delete(endpoint)) return;
    this.log.info({ endpoint, handler: module.key }, `endpoint ${endpoint} recovered: handler ${module.key} loads again`);
  }

  private logRepointed(endpoint: string, from: HandlerModule, to: HandlerModule, descriptor: Descriptor): void {
    this.log.info(
      { endpoint, handler: to.key, previous: from.key, descriptor: descriptor.file },
      `endpoint ${endpoint} repointed by ${descriptor.file}: handler ${from.key} → ${to.key}`,
    );
  }

  /**
   * Handler keys some descriptor gives an isolate of their own. A handler that
   * two descriptors name gets its own isolate if either asks for one.
   */
  private handlersWithOwnIsolate(table: EndpointTable): Set<string> {
    const keys = new Set<string>();
    for (const d of table.endpoints.values()) {
      if (d.isolate !== "own") continue;
      try {
        keys.add(resolveHandler(this.root, d.handler, d.file).key);
      } catch {
        // mountOne reports it
      }
    }
    return keys;
  }

  private mountOne(endpoint: string, descriptor: Descriptor, ownIsolate: ReadonlySet<string>): Mount {
    try {
      this.noteUnservable(endpoint, descriptor);
      const handler = resolveHandler(this.root, descriptor.handler, descriptor.file);
      assertSameFolder(descriptor, handler);
      return { endpoint, descriptor, module: this.registry.ensure(handler, "handler", ownIsolate.has(handler.key) ? "own" : "shared") };
    } catch (error) {
      const problem =
        error instanceof AerostatError
          ? error
          : new AerostatError(UserErrorCodes.HANDLER_NOT_FOUND, String(error), { file: descriptor.file, field: "handler" });
      return { endpoint, descriptor, problem };
    }
  }

  /** Reports what the server cannot serve of the descriptor, once for each new reason. */
  private noteUnservable(endpoint: string, descriptor: Descriptor): void {
    const note = this.checkDescriptor?.(descriptor);
    if (note?.message === this.unservable.get(endpoint)) return;
    if (note) {
      this.unservable.set(endpoint, note.message);
      this.onProblem(note);
    } else {
      this.unservable.delete(endpoint);
    }
  }

  private reportConflicts(table: EndpointTable): void {
    const now = new Set<string>();
    for (const c of table.conflicts) {
      const id = `${c.endpoint}\u0000${c.winner}\u0000${c.losers.join("\u0000")}`;
      now.add(id);
      if (this.reportedConflicts.has(id)) continue;
      for (const loser of c.losers) {
        this.onProblem(
          new AerostatError(
            UserErrorCodes.ENDPOINT_CONFLICT,
            `endpoint "${c.endpoint}" is already served by ${c.winner}, so this descriptor is ignored ` +
              "(an endpoint stays with the descriptor serving it; at startup the first by path serves). " +
              "Give one of the two descriptors another endpoint.",
            { file: loser, field: "endpoint" },
          ),
        );
      }
    }
    this.reportedConflicts = now;
  }
}

/** A descriptor names only handlers in its own top-level folder (at the root: only root-level handlers). */
export function assertSameFolder(descriptor: { readonly file: string; readonly handler: string }, handler: ResolvedHandler): void {
  const folder = projectOf(descriptor.file);
  if (handler.project === folder) return;
  const name = (f: string) => (f ? `folder "${f}"` : "the project root");
  throw new AerostatError(
    UserErrorCodes.HANDLER_NOT_FOUND,
    `handler "${descriptor.handler}" belongs to ${name(handler.project)}, but this descriptor is in ${name(folder)}, ` +
      `and a descriptor may name only handlers of its own top-level folder. Move the handler into ${name(folder)}, ` +
      "or the descriptor next to its handler.",
    { file: descriptor.file, field: "handler" },
  );
}

/** Whether an endpoint's sessions speak another protocol, or with other options, under `next` than under `before`. */
function protocolChanged(before: Descriptor, next: Descriptor): boolean {
  return (
    before.protocol !== next.protocol ||
    !isDeepStrictEqual(before.monorail, next.monorail) ||
    !isDeepStrictEqual(before.socketcluster, next.socketcluster) ||
    !isDeepStrictEqual(before.evqueue, next.evqueue)
  );
}

/** A descriptor problem on an endpoint that keeps serving its previous handler, saying so. */
function keptServing(problem: AerostatError, before: Mount): AerostatError {
  return new AerostatError(
    problem.code,
    `${problem.message} The endpoint keeps serving ${before.module!.key} meanwhile; its sessions stay open.`,
    problem.location,
  );
}
