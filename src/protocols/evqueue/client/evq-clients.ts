import type { LookupFunction } from "node:net";
import type { Connection } from "../../../config/connections.js";
import type { Logger } from "../../../log/logger.js";
import type { EvqClientService, EvqClusterHandle, EvqClusterRefusal, EvqClusterRequest } from "../../../ops/evqueue-client-service.js";
import type { HandlerFault } from "../../../ops/services.js";
import type { ClientInfo } from "../../../peers/clients.js";
import type { CallerContext, HandlerModule } from "../../../sandbox/handler-module.js";
import { EvqCluster } from "./cluster.js";
import { HookCaller } from "./hook-caller.js";
import { ClusterLimits } from "./limits.js";
import { resolveTargets } from "./node-targets.js";

export interface EvqClientsDeps {
  /** The operator's named connections (credentials and node URLs). */
  readonly connections: ReadonlyMap<string, Connection>;
  /** The outbound allowlist: a refusal says why; an allowed URL comes with the lookup its connection must use. */
  checkOutbound(module: HandlerModule, uri: string, api: string): { ok: true; lookup: LookupFunction } | { ok: false; error: string };
  readonly log: Logger;
  reportFault(fault: HandlerFault): void;
  /** How long the hooks have to answer an event or a state change. */
  readonly hookTimeoutMs: number;
}

interface Entry {
  readonly cluster: EvqCluster;
  readonly module: HandlerModule;
  readonly caller: CallerContext;
}

/**
 * The runtime's evQueue clusters (net/v4/evqueue's createCluster). A cluster
 * belongs to the module context that made it: when that context stops
 * serving (the module reloads, is unloaded, or its sandbox restarts) the
 * cluster closes, its sockets with it, and what waits on it rejects.
 */
export class EvqClients implements EvqClientService {
  private nextId = 1;
  private readonly byId = new Map<number, Entry>();
  /** Per module: its open clusters, and the cancel of the release listener. */
  private readonly byModule = new Map<HandlerModule, { entries: Set<Entry>; stop: () => void }>();

  constructor(private readonly deps: EvqClientsDeps) {}

  create(module: HandlerModule, caller: CallerContext, request: EvqClusterRequest): { id: number } | EvqClusterRefusal {
    const open = this.byModule.get(module)?.entries.size ?? 0;
    if (open >= ClusterLimits.maxClustersPerModule) {
      return { error: `createCluster: ${module.key} already has ${open} clusters open (limit ${ClusterLimits.maxClustersPerModule}); Close() one first, or share one`, kind: "range" };
    }
    let targets;
    const lookups: LookupFunction[] = [];
    try {
      targets = resolveTargets(request.nodes, request.connection, this.deps.connections);
      for (const t of targets) {
        const decision = this.deps.checkOutbound(module, t.url, "createCluster");
        if (!decision.ok) throw new TypeError(decision.error);
        lookups.push(decision.lookup);
      }
    } catch (error) {
      return { error: String((error as Error).message), ...(error instanceof RangeError ? { kind: "range" as const } : {}) };
    }
    const id = this.nextId++;
    const log = this.deps.log;
    let cluster: EvqCluster | undefined;
    const hooks = new HookCaller({
      module,
      caller,
      timeoutMs: this.deps.hookTimeoutMs,
      log,
      reportFault: (fault) => this.deps.reportFault(fault),
      gone: () => cluster?.close("the module that made the cluster was reloaded or unloaded"),
    });
    cluster = new EvqCluster({
      id,
      targets,
      lookups,
      hooks,
      names: { event: request.onEvent, eventNamed: request.onEventNamed, state: request.onStateChange, stateNamed: request.onStateChangeNamed },
      eventsNow: request.onEventNamed,
      alive: () => caller.isCurrent() && !module.isUnloaded && !module.isDisabled,
      note: (level, fields, message) => {
        if (module.logBudget.take()) log[level]({ handler: module.key, ...fields }, message);
      },
      closed: () => this.forget(entry),
    });
    const entry: Entry = { cluster, module, caller };
    this.byId.set(id, entry);
    this.track(entry);
    log.info({ handler: module.key, cluster: id, nodes: targets.map((t) => t.shown) }, `evqueue client: ${module.key} opened a cluster of ${targets.map((t) => t.shown).join(", ")}`);
    return { id };
  }

  get(module: HandlerModule, id: number): EvqClusterHandle | undefined {
    const entry = this.byId.get(id);
    return entry && entry.module === module && !entry.cluster.closed ? entry.cluster : undefined;
  }

  /** Closes every cluster (the runtime is closing). */
  closeAll(): void {
    for (const entry of [...this.byId.values()]) entry.cluster.close("the server is shutting down");
  }

  /** Open clusters. */
  get size(): number {
    return this.byId.size;
  }

  /** Every node socket, as the dashboard lists outgoing clients. */
  clientInfos(): ClientInfo[] {
    const infos: ClientInfo[] = [];
    for (const { cluster, module } of this.byId.values()) {
      cluster.members.forEach((node, i) => {
        for (const socket of node.events ? [node.api, node.events] : [node.api]) {
          infos.push({
            id: `evq${cluster.id}.${i + 1}.${socket.mode}`,
            uri: socket.target.shown,
            handler: module.key,
            engine: `evqueue ${socket.mode} (${socket.state})`,
            readyState: socket.readyState,
            data: "null",
            reconnect: true,
            attempt: socket.attempts,
          });
        }
      });
    }
    return infos;
  }

  /**
   * Closes the module's clusters whose context no longer serves. `served`
   * (only after a load, once the module knows its new exports): the others
   * whose context serves may ask their hooks. A release comes within the
   * swap, before the module's exports are the new code's, so it only closes.
   */
  private sweep(module: HandlerModule, served: boolean): void {
    for (const entry of [...(this.byModule.get(module)?.entries ?? [])]) {
      if (!entry.caller.isCurrent() || module.isUnloaded) entry.cluster.close("the module that made the cluster was reloaded or unloaded");
      else if (served && entry.caller.isServing()) entry.cluster.serving();
    }
  }

  /** Watches the module's reloads, unloads and restarts while it has clusters. */
  private track(entry: Entry): void {
    const { module } = entry;
    const own = this.byModule.get(module);
    if (own) {
      own.entries.add(entry);
      return;
    }
    const entries = new Set([entry]);
    const watch = (): (() => void) => {
      // A release listener is told once: it is set again while clusters remain.
      const stopRelease = module.onRelease(() => {
        this.sweep(module, false);
        const still = this.byModule.get(module);
        if (still) still.stop = combine(watch(), stopServing);
      });
      return stopRelease;
    };
    // After every successful load (a restart of the sandbox included): old contexts' clusters close, new ones may ask their hooks.
    const stopServing = module.onServing(() => this.sweep(module, true));
    this.byModule.set(module, { entries, stop: combine(watch(), stopServing) });
  }

  private forget(entry: Entry): void {
    this.byId.delete(entry.cluster.id);
    const own = this.byModule.get(entry.module);
    if (!own) return;
    own.entries.delete(entry);
    if (own.entries.size > 0) return;
    own.stop();
    this.byModule.delete(entry.module);
  }
}

function combine(a: () => void, b: () => void): () => void {
  return () => {
    a();
    b();
  };
}
