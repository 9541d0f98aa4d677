import { stat } from "node:fs/promises";
import { AerostatError, UserErrorCodes } from "../errors/codes.js";
import type { MountTable } from "./mounts.js";
import type { Logger } from "../log/logger.js";
import type { HandlerRegistry } from "../sandbox/handler-registry.js";
import type { HandlerModule } from "../sandbox/handler-module.js";
import { DescriptorSet } from "./descriptor-set.js";
import { buildEndpointTable, type EndpointTable } from "./endpoint-table.js";
import { DESCRIPTOR_EXTENSION, findDescriptors } from "./scanner.js";
import { LISTENER_EXTENSION } from "../config/listener-descriptor.js";
import type { Connection } from "../config/connections.js";
import { ListenerSet, type ListenerChoice } from "./listener-set.js";
import { ProjectWatcher, type ChangeBatch } from "./watcher.js";

export interface SyncEvents {
  /** A descriptor was loaded again (ok) or removed. */
  descriptorReloaded(file: string, ms?: number): void;
  /** A descriptor or other file problem. */
  problem(error: AerostatError, kind?: "descriptor"): void;
  /** Any batch of file changes arrived (before it is applied). */
  filesChanged(): void;
}

/** What runs the project's listeners (src/listeners/listener-table.ts): told the listeners to run after every change. */
export interface ListenerRunner {
  /** Starts, restarts and stops listeners to match `choice`; resolves once new handlers' first loads are over. */
  apply(choice: ListenerChoice): Promise<void>;
  /** Key (listenerKey: its name in its project folder) → the file of the listener running under it. */
  serving(): ReadonlyMap<string, string>;
  /** Whether some listener waits for a handler file that did not exist. */
  readonly waiting: boolean;
}

/**
 * Keeps the served endpoints and loaded handlers in step with the project
 * folder: one full load at start, then each batch of file changes, applied one
 * batch at a time.
 */
export class ProjectSync {
  readonly descriptors: DescriptorSet;
  readonly listenerFiles: ListenerSet;
  private watcher: ProjectWatcher | undefined;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly root: string,
    private readonly mounts: MountTable,
    private readonly registry: HandlerRegistry,
    private readonly log: Logger,
    private readonly events: SyncEvents,
    /** The folder served as static files, if any: it cannot hold descriptors. */
    staticDir?: string,
    /** The `.listener` files' runner and the operator's connections they may name. */
    private readonly listeners?: { readonly runner: ListenerRunner; readonly connections: ReadonlyMap<string, Connection> },
  ) {
    this.descriptors = new DescriptorSet(root, staticDir);
    this.listenerFiles = new ListenerSet(root, listeners?.connections ?? new Map(), staticDir);
  }

  /** Loads every descriptor and mounts the endpoints; then watches, if asked. */
  async start(watch: boolean, debounceMs: number): Promise<void> {
    const isDir = await stat(this.root).then((s) => s.isDirectory(), () => false);
    if (!isDir) {
      throw new AerostatError(
        UserErrorCodes.OPTION_INVALID,
        `project folder ${this.root} does not exist or is not a folder; create it or pass another path`,
        { file: this.root, field: "projectRoot" },
      );
    }
    const unreadable = (dir: string, error: NodeJS.ErrnoException) =>
      this.log.error({ path: dir, code: error.code }, `cannot read folder ${dir} (${error.code}); its descriptors are not served`);
    for (const file of await findDescriptors(this.root, unreadable)) {
      const result = file.endsWith(LISTENER_EXTENSION) ? await this.listenerFiles.load(file) : await this.descriptors.load(file);
      if (!result.ok) this.events.problem(result.error);
    }
    await this.mounts.apply(this.endpointTable());
    await this.applyListeners();
    if (!watch) return;
    this.watcher = new ProjectWatcher(this.root, debounceMs, (batch) => {
      this.chain = this.chain.then(() => this.apply(batch)).catch((error: unknown) => {
        this.log.error({ err: error }, "reload failed");
      });
    }, this.log);
    await this.watcher.ready;
  }

  /** Which descriptor serves each endpoint: the one serving it now keeps it. */
  private endpointTable(): EndpointTable {
    return buildEndpointTable(this.descriptors.all(), this.mounts.servingDescriptors());
  }

  /** Runs the listeners the good `.listener` files say (the one running under a name keeps it). */
  private async applyListeners(): Promise<void> {
    if (!this.listeners) return;
    await this.listeners.runner.apply(this.listenerFiles.choose(this.listeners.runner.serving()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.watcher?.close();
  }

  private async apply(batch: ChangeBatch): Promise<void> {
    if (this.stopped) return;
    this.events.filesChanged();
    let descriptorsChanged = false;
    let listenersChanged = false;
    let filesAppeared = false;
    /** Modules to load again: each once, however many of its files changed. */
    const toReload = new Set<HandlerModule>();
    for (const file of batch.removed) {
      if (file.endsWith(LISTENER_EXTENSION)) {
        this.listenerFiles.remove(file);
        listenersChanged = true;
        this.events.descriptorReloaded(this.descriptors.relative(file));
      } else if (file.endsWith(DESCRIPTOR_EXTENSION)) {
        this.descriptors.remove(file);
        descriptorsChanged = true;
        this.events.descriptorReloaded(this.descriptors.relative(file));
      } else {
        const own = this.registry.byFile(file);
        if (own) {
          this.log.warn(
            { handler: this.descriptors.relative(file) },
            "handler file was deleted; its last loaded version keeps serving until its endpoints are removed",
          );
        }
        // Handlers that import it: loading them again says what is missing, and their last good versions serve on.
        for (const m of this.registry.dependents(file)) if (m !== own) toReload.add(m);
      }
    }
    for (const file of batch.changed) {
      if (file.endsWith(LISTENER_EXTENSION)) {
        const started = performance.now();
        const result = await this.listenerFiles.load(file);
        listenersChanged = true;
        if (result.ok) this.events.descriptorReloaded(this.descriptors.relative(file), performance.now() - started);
        else this.events.problem(result.error, "descriptor");
        continue;
      }
      if (file.endsWith(DESCRIPTOR_EXTENSION)) {
        const started = performance.now();
        const result = await this.descriptors.load(file);
        descriptorsChanged = true;
        if (result.ok) this.events.descriptorReloaded(this.descriptors.relative(file), performance.now() - started);
        else this.events.problem(result.error, "descriptor");
        continue;
      }
      for (const m of this.registry.dependents(file)) toReload.add(m);
      if (!this.registry.byFile(file)) filesAppeared = true;
    }
    const reloads: Promise<unknown>[] = [...toReload].map((m) => this.registry.reload(m));
    // A new file may be the handler an endpoint was waiting for.
    const waiting = this.mounts.list().some((m) => m.problem);
    if (descriptorsChanged || (filesAppeared && waiting)) {
      reloads.push(this.mounts.apply(this.endpointTable()));
    }
    if (listenersChanged || (filesAppeared && this.listeners?.runner.waiting)) reloads.push(this.applyListeners());
    await Promise.all(reloads);
  }
}
