import { EventEmitter } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Express } from "express";
import type { BusListener, EngineStatus } from "./bus/message-bus.js";
import { resolveOptions, type ResolvedOptions, type RuntimeOptions } from "./config/options.js";
import { eventHubStats, type EventHubStats } from "./capabilities/events/hub.js";
import { AerostatError, SystemErrorCodes, UserErrorCodes } from "./errors/codes.js";
import type { Logger } from "./log/logger.js";
import type { Capability } from "./ops/capability.js";
import type { ClientInfo } from "./peers/clients.js";
import { closeSessionsLogged } from "./peers/close-sessions.js";
import type { TrafficMeter } from "./peers/traffic.js";
import type { IsolateStats } from "./sandbox/project-isolate.js";
import type { ListenerStatus } from "./listeners/listener.js";
import type { EvqEndpointStats } from "./protocols/evqueue/stats.js";
import { CloseCodes } from "./protocol/close-codes.js";
import { assertNodeFlags } from "./sandbox/node-flags.js";
import { DASHBOARD_PATH, serviceUrl } from "./server/routes.js";
import { assemble, wsBase, type Parts } from "./wiring/assemble.js";
import type { EndpointInfo, HandlerStats, RuntimeEvents } from "./wiring/runtime-events.js";

export type { EndpointInfo, HandlerStats, ReloadEvent, RuntimeEvents } from "./wiring/runtime-events.js";
export type { ListenerInfo, ListenerStatus } from "./listeners/listener.js";
export type { EvqEndpointStats } from "./protocols/evqueue/stats.js";

/** createRuntime()'s options: RuntimeOptions, and capabilities beyond the built-in ones (for embedding and tests). */
export interface RuntimeInit extends RuntimeOptions {
  /** Each brings a runtime module; its guest code comes as `guestSource`. */
  capabilities?: readonly Capability[];
}

/**
 * The runtime: a project folder served over WebSockets. Create it with
 * createRuntime(), then listen() (or start() when attached to your own
 * server). The pieces are built and connected in wiring/assemble.ts.
 */
export class Runtime extends EventEmitter<RuntimeEvents> {
  readonly options: ResolvedOptions;
  /** Express app with the project's static files; mount it in your own app if you attach. */
  readonly app: Express;
  readonly server: Server;
  readonly log: Logger;
  /** Messages in and out per second, for the dashboard. */
  readonly traffic: TrafficMeter;
  private readonly parts: Parts;
  private started: Promise<void> | undefined;
  private accepting = true;
  private closed = false;

  constructor(input: RuntimeInit) {
    super();
    assertNodeFlags();
    const { capabilities: _capabilities, ...options } = input;
    this.options = resolveOptions(options);
    this.parts = assemble(this.options, input.capabilities ?? [], this, () => this.accepting);
    ({ app: this.app, server: this.server, log: this.log, traffic: this.traffic } = this.parts);
  }

  /** Connects the engine (Redis, with --engine redis), loads the project and starts watching it. Idempotent. */
  start(): Promise<void> {
    this.started ??= this.startEngine()
      .then(() => this.parts.sync.start(this.options.watch, this.options.reloadDebounceMs))
      .then(() => this.checkSharedKey());
    return this.started;
  }

  /** The engine's state, node name and the peers seen (for the dashboard and health checks). */
  engineStatus(): EngineStatus {
    return this.parts.bus.status();
  }

  /** Calls `listener` when the engine is ready (again), fails, or reports a gap (see BusListener); returns the stop. */
  watchEngine(listener: BusListener): () => void {
    return this.parts.bus.watch(listener);
  }

  /** Socketcluster endpoints on several nodes need one sign-in key: without it, the start fails naming the descriptor. */
  private checkSharedKey(): void {
    if (this.options.engine === "memory" || this.options.authKey !== undefined) return;
    const first = this.parts.sync.descriptors.all().find((d) => d.protocol === "socketcluster");
    if (!first) return;
    throw new AerostatError(
      UserErrorCodes.AUTH_KEY_MISSING,
      `endpoint "${first.endpoint}" speaks socketcluster, and on the redis engine every node must sign tokens with the same key: start each node with --auth-key-file <file> (make one with: openssl rand -base64 48 > auth.key)`,
      { file: first.file, field: "protocol" },
    );
  }

  /** Connects the engine; a Redis that cannot be reached fails the start with one sentence naming its URL. */
  private async startEngine(): Promise<void> {
    const { bus } = this.parts;
    await bus.start();
    if (bus.engine === "memory") return;
    const { peers } = bus.status();
    this.log.info({ engine: bus.engine, node: bus.node, peers }, `engine ${bus.engine}: node ${bus.node}, ${peers.length} peer${peers.length === 1 ? "" : "s"} seen`);
  }

  /** start(), then listen on the configured host and port (unless the attached server already listens). */
  async listen(): Promise<AddressInfo> {
    await this.start();
    if (!this.server.listening) {
      await new Promise<void>((resolve, reject) => {
        this.server.once("error", reject);
        this.server.listen(this.options.port, this.options.host, () => {
          this.server.off("error", reject);
          resolve();
        });
      });
    }
    return this.server.address() as AddressInfo;
  }

  /** "http://host:port" of the listening server. */
  get url(): string {
    if (!this.server.address()) throw new AerostatError(SystemErrorCodes.CLOSED, "the server is not listening; call listen() first");
    return wsBase(this.server).replace(/^ws/, "http");
  }

  /** The dashboard's URL with its token ("http://host:port/websockets/v4/?token=…"); undefined when it is off. */
  get dashboardUrl(): string | undefined {
    return this.options.dashboard === "off" ? undefined : `${this.url}${DASHBOARD_PATH}?token=${this.parts.dashboardToken}`;
  }

  /** The ws:// URL of an endpoint. */
  serviceUrl(endpoint: string): string {
    return serviceUrl(this.url.replace(/^http/, "ws"), endpoint);
  }

  endpoints(): EndpointInfo[] {
    return this.parts.status.endpoints(this.server.listening ? wsBase(this.server) : "");
  }

  /** Per handler module: events waiting and running, whether some version serves, loads so far, the last load error. */
  handlerStats(): HandlerStats[] {
    return this.parts.status.handlerStats();
  }

  clientList(): ClientInfo[] {
    return this.parts.status.clientList();
  }

  /** Per isolate: the handlers in it, CPU time, heap in use, restarts. */
  isolateStats(): IsolateStats[] {
    return this.parts.status.isolateStats();
  }

  /** net/v4/events on this node: pending on() calls, and the projects whose events channel is subscribed. */
  eventStats(): EventHubStats {
    return eventHubStats(this.parts.bus) ?? { waiters: 0, channels: 0 };
  }

  /** The project's listeners: state of their connections, messages received, delivered and dropped, gaps, the last error. */
  listenerStats(): ListenerStatus[] {
    return this.parts.listeners.list();
  }

  /** MonoRail watchers held on this node (every connection's, mq ones aside) and the RabbitMQ consumers of mq watches. */
  monorailStats(): { watchers: number; mqConsumers: number } {
    return { watchers: this.parts.monorail.index.count(), mqConsumers: this.parts.monorail.mq.consumerCount };
  }

  /** Per evqueue endpoint on this node: open connections ("api" and "events"), subscriptions, events sent, events merged by throttling, failed sign-ins. */
  evqueueStats(): EvqEndpointStats[] {
    return this.parts.evqueueStats();
  }

  /** Stops accepting, closes sessions with 1001 and lets their onClose run (up to `graceMs`), then disposes the isolates. */
  async close(graceMs = 2000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.accepting = false;
    const { sync, liveness, dashboard, sessions, registry, clients, exchanges, stomp, teardowns, bus, sockets, monorail } = this.parts;
    await this.started?.catch(() => undefined);
    await sync.stop();
    await this.parts.listeners.closeAll();
    liveness.stop();
    dashboard.close();
    stomp.closeAll();
    closeSessionsLogged(sessions.all(), CloseCodes.goingAway, "server shutting down", this.log, "every endpoint");
    const deadline = Date.now() + graceMs;
    while ((sessions.size > 0 || !registry.idle) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const s of sessions.all()) s.terminate();
    clients.closeAll();
    exchanges.closeAll();
    registry.disposeAll();
    for (const teardown of teardowns.splice(0)) teardown();
    await monorail.close();
    this.parts.evqueue.close();
    await bus.close();
    sockets.close();
    if (this.parts.ownsServer && this.server.listening) {
      this.server.closeAllConnections();
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }
  }
}

/** Creates a runtime for a project folder. See RuntimeInit. */
export function createRuntime(options: RuntimeInit): Runtime {
  return new Runtime(options);
}
