import { redactUrl, type Connection } from "../config/connections.js";
import type { ListenerSpec } from "../config/listener-spec.js";
import { AerostatError, UserErrorCodes } from "../errors/codes.js";
import type { Logger } from "../log/logger.js";
import { RateLimitedLog } from "../log/rate-limited.js";
import { resolveHandler } from "../project/handler-path.js";
import type { ListenerChoice } from "../project/listener-set.js";
import { assertSameFolder } from "../project/mounts.js";
import type { ListenerRunner } from "../project/project-sync.js";
import type { HandlerModule } from "../sandbox/handler-module.js";
import type { HandlerRegistry } from "../sandbox/handler-registry.js";
import { Listener, type ListenerDeps, type ListenerStatus } from "./listener.js";
import { makeSource } from "./source-table.js";

export interface ListenerTableDeps {
  readonly root: string;
  readonly registry: HandlerRegistry;
  /** The operator's connections (--connection NAME=URL). */
  readonly connections: ReadonlyMap<string, Connection>;
  readonly log: Logger;
  /** The module's queue bound (maxQueuedEvents): messages waiting per listener at most. */
  readonly maxWaiting: number;
  readonly answerTimeoutMs: number;
  /** A file problem: a handler that cannot be found, two files with one name. */
  onProblem(error: AerostatError): void;
  /** A hook of a listener's handler threw or failed. */
  fault(module: HandlerModule, listener: string, hook: string, error: string): void;
  /** Makes sources (tests may pass their own); by default the built-in table. */
  readonly makeSource?: ListenerDeps["makeSource"];
}

interface Entry {
  spec: ListenerSpec;
  listener?: Listener;
  /** Why it does not run, or why its newest version is not used. */
  problem?: AerostatError;
}

/**
 * The project's running listeners by key (listenerKey: a name is unique in
 * its project folder), kept in step with its `.listener`
 * files: a new file starts a listener, a changed one restarts it (only its
 * handler when the source's settings are the same: the connection stays),
 * a removed one stops it. A file whose handler cannot be found keeps its
 * last good listener running.
 */
export class ListenerTable implements ListenerRunner {
  private readonly entries = new Map<string, Entry>();
  private readonly closing = new Set<Promise<void>>();
  private reportedConflicts = new Set<string>();
  private readonly listenerDeps: ListenerDeps;
  private closed = false;

  constructor(private readonly deps: ListenerTableDeps) {
    this.listenerDeps = {
      log: deps.log,
      warn: new RateLimitedLog(deps.log, "dropped listener messages", 1),
      maxWaiting: deps.maxWaiting,
      answerTimeoutMs: deps.answerTimeoutMs,
      fault: (m, listener, hook, error) => deps.fault(m, listener, hook, error),
      makeSource: deps.makeSource ?? makeSource,
    };
  }

  serving(): ReadonlyMap<string, string> {
    return new Map([...this.entries].map(([name, e]) => [name, e.spec.file]));
  }

  get waiting(): boolean {
    return [...this.entries.values()].some((e) => !e.listener && e.problem);
  }

  async apply(choice: ListenerChoice): Promise<void> {
    if (this.closed) return;
    const loads: Promise<unknown>[] = [];
    for (const [name, spec] of choice.listeners) {
      const entry = this.entries.get(name);
      const found = this.moduleFor(spec);
      if (!found.ok) {
        this.held(name, spec, entry, found.error);
        continue;
      }
      const module = found.module;
      loads.push(this.deps.registry.loaded(module.key) ?? Promise.resolve());
      const running = entry?.listener;
      if (running && sameSource(running.currentSpec, spec)) {
        if (running.handlerModule !== module) {
          this.deps.log.info({ listener: name, handler: module.key, previous: running.handlerModule.key }, `listener ${name}: handler ${running.handlerModule.key} → ${module.key}; its connection stays`);
        }
        running.update(spec, module);
        running.problem = undefined;
        this.entries.set(name, { spec, listener: running });
        continue;
      }
      if (running) this.stop(running);
      const connection = this.deps.connections.get(spec.connection)!;
      let listener: Listener;
      try {
        listener = new Listener(spec, connection, module, this.listenerDeps);
      } catch (error) {
        // A client library that refuses its options (a URL it cannot use): the listener waits, reported.
        const problem = new AerostatError(UserErrorCodes.LISTENER_CONNECTION, `the ${spec.source} client refused connection "${spec.connection}" (${redactUrl(connection.url)}): ${String((error as Error)?.message ?? error)}`, {
          file: spec.file,
          field: "connection",
        });
        this.held(name, spec, undefined, problem);
        continue;
      }
      this.entries.set(name, { spec, listener });
      this.deps.log.info(
        { listener: name, source: spec.source, connection: spec.connection, handler: module.key, descriptor: spec.file },
        `${running ? "restarted" : "started"} listener ${name} (${spec.source} on connection "${spec.connection}", ${redactUrl(connection.url)}) → ${module.key}`,
      );
      listener.start();
    }
    for (const [name, entry] of [...this.entries]) {
      if (choice.listeners.has(name)) continue;
      this.entries.delete(name);
      if (entry.listener) this.stop(entry.listener);
      this.deps.log.info({ listener: name, descriptor: entry.spec.file }, `stopped listener ${name}`);
    }
    this.reportConflicts(choice.conflicts);
    await Promise.all(loads);
  }

  /** A listener whose handler cannot be found: its last good version (same file) keeps running; otherwise it waits for the file. */
  private held(name: string, spec: ListenerSpec, entry: Entry | undefined, problem: AerostatError): void {
    const running = entry?.listener;
    const changed = problem.message !== entry?.problem?.message;
    if (running && entry.spec.file === spec.file) {
      const kept = new AerostatError(problem.code, `${problem.message} Listener ${name} keeps running with ${running.handlerModule.key} meanwhile.`, problem.location);
      if (changed) this.deps.onProblem(kept);
      running.problem = kept.toString();
      this.entries.set(name, { spec: entry.spec, listener: running, problem });
      return;
    }
    if (running) this.stop(running);
    if (changed) this.deps.onProblem(problem);
    this.entries.set(name, { spec, problem });
  }

  private moduleFor(spec: ListenerSpec): { ok: true; module: HandlerModule } | { ok: false; error: AerostatError } {
    try {
      const handler = resolveHandler(this.deps.root, spec.handler, spec.file);
      assertSameFolder(spec, handler);
      return { ok: true, module: this.deps.registry.ensure(handler, "handler") };
    } catch (error) {
      return {
        ok: false,
        error: error instanceof AerostatError ? error : new AerostatError(UserErrorCodes.HANDLER_NOT_FOUND, String(error), { file: spec.file, field: "handler" }),
      };
    }
  }

  private stop(listener: Listener): void {
    const closing = listener.close().finally(() => this.closing.delete(closing));
    this.closing.add(closing);
  }

  private reportConflicts(conflicts: readonly AerostatError[]): void {
    const now = new Set(conflicts.map((c) => c.toString()));
    for (const c of conflicts) if (!this.reportedConflicts.has(c.toString())) this.deps.onProblem(c);
    this.reportedConflicts = now;
  }

  /** Every listener, running or held back by a problem, for the runtime and the dashboard. */
  list(): ListenerStatus[] {
    return [...this.entries.values()].map((e) => {
      if (e.listener) return e.listener.status();
      const connection = this.deps.connections.get(e.spec.connection);
      return {
        name: e.spec.name,
        source: e.spec.source,
        file: e.spec.file,
        handler: e.spec.handler,
        connection: { name: e.spec.connection, url: connection ? redactUrl(connection.url) : "" },
        state: "stopped",
        received: 0,
        delivered: 0,
        dropped: 0,
        gaps: 0,
        failed: 0,
        ...(e.problem ? { problem: e.problem.toString() } : {}),
      };
    });
  }

  /** Stops every listener and closes its connection; nothing starts afterwards. */
  async closeAll(): Promise<void> {
    this.closed = true;
    for (const e of this.entries.values()) if (e.listener) this.stop(e.listener);
    this.entries.clear();
    await Promise.all([...this.closing]);
  }
}

/** Whether two specs listen the same way (only the handler, description or file differ): the connection can stay. */
function sameSource(a: ListenerSpec, b: ListenerSpec): boolean {
  const key = (s: ListenerSpec) => JSON.stringify({ ...s, handler: "", description: "", file: "" });
  return key(a) === key(b);
}
