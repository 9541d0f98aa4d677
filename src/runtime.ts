import { EventEmitter } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Express } from "express";
import { MemoryBus } from "./bus/message-bus.js";
import { BUILT_IN_CAPABILITIES } from "./capabilities/index.js";
import { resolveOptions, type ResolvedOptions, type RuntimeOptions } from "./config/options.js";
import { Dashboard } from "./dashboard/dashboard.js";
import { newDashboardToken } from "./dashboard/token.js";
import { AerostatError, SystemErrorCodes } from "./errors/codes.js";
import { createLogger, type Logger } from "./log/logger.js";
import { applyOutbox } from "./ops/apply-outbox.js";
import { createHostCall } from "./ops/host-call.js";
import { OpTable } from "./ops/op-table.js";
import type { Services } from "./ops/services.js";
import type { Capability } from "./ops/capability.js";
import { OutboundGate } from "./outbound/outbound-gate.js";
import { acceptSession } from "./peers/accept-session.js";
import { ClientRegistry, type ClientInfo } from "./peers/clients.js";
import { Liveness } from "./peers/liveness.js";
import { SessionRegistry } from "./peers/sessions.js";
import { TrafficMeter } from "./peers/traffic.js";
import { MountTable } from "./project/mounts.js";
import { ProjectSync } from "./project/project-sync.js";
import { CloseCodes } from "./protocol/close-codes.js";
import { HandlerRegistry } from "./sandbox/handler-registry.js";
import { assertNodeFlags } from "./sandbox/node-flags.js";
import { createHttpApp } from "./server/http-app.js";
import { createOwnedServer, SocketServers } from "./server/http-server.js";
import { DASHBOARD_PATH, endpointFromPath, SERVICE_PREFIX, serviceUrl } from "./server/routes.js";
import { createUpgradeHandler, MAX_FIRST_LOAD_WAIT_MS } from "./server/upgrade.js";
import { ClientOpener } from "./wiring/client-opener.js";
import { Reporter } from "./wiring/reporter.js";
import type { EndpointInfo, HandlerStats, RuntimeEvents } from "./wiring/runtime-events.js";
import { Status } from "./wiring/status.js";

export type { EndpointInfo, HandlerStats, ReloadEvent, RuntimeEvents } from "./wiring/runtime-events.js";

/** createRuntime()'s options: RuntimeOptions, and capabilities beyond the built-in ones (for embedding and tests). */
export interface RuntimeInit extends RuntimeOptions {
  /** Each brings a runtime module; its guest code comes as `guestSource`. */
  capabilities?: readonly Capability[];
}

/**
 * The runtime: a project folder served over WebSockets. Create it with
 * createRuntime(), then listen() (or start() when attached to your own
 * server). This file only wires the pieces together; each lives in its folder.
 */
export class Runtime extends EventEmitter<RuntimeEvents> {
  readonly options: ResolvedOptions;
  /** Express app with the project's static files; mount it in your own app if you attach. */
  readonly app: Express;
  readonly server: Server;
  readonly log: Logger;
  /** Messages in and out per second, for the dashboard. */
  readonly traffic = new TrafficMeter();
  private readonly ownsServer: boolean;
  private readonly sessions: SessionRegistry;
  private readonly clients: ClientRegistry;
  private readonly bus: MemoryBus;
  private readonly teardowns: (() => void)[] = [];
  private readonly sockets: SocketServers;
  private readonly registry: HandlerRegistry;
  private readonly liveness: Liveness;
  private readonly sync: ProjectSync;
  private readonly dashboard: Dashboard;
  private readonly status: Status;
  private readonly dashboardToken: string;
  private started: Promise<void> | undefined;
  private accepting = true;
  private closed = false;

  constructor(input: RuntimeInit) {
    super();
    assertNodeFlags();
    const options = (this.options = resolveOptions(input));
    const log = (this.log = options.logger ?? createLogger());
    const staticDir = options.staticDir === false ? undefined : (options.staticDir ?? path.join(options.projectRoot, "public"));
    this.app = createHttpApp(staticDir);
    this.ownsServer = !options.server;
    this.server = options.server ?? createOwnedServer(options.handshakeTimeoutMs, this.app, log);
    this.sockets = new SocketServers(log);
    this.sessions = new SessionRegistry(options.maxBufferedBytes);
    this.clients = new ClientRegistry(this.traffic, options.maxBufferedBytes);
    this.bus = new MemoryBus((topic, error) => log.error({ topic, err: error }, `delivering a ${topic} message failed`));

    const capabilities = [...BUILT_IN_CAPABILITIES, ...(input.capabilities ?? [])];
    const ops = new OpTable(capabilities);
    const outbound = new OutboundGate({
      allowed: options.outboundHosts,
      ownPort: () => (this.server.address() as AddressInfo | null)?.port,
      isServicePath: (pathname) => endpointFromPath(pathname) !== undefined,
      servicePaths: `${SERVICE_PREFIX}<endpoint>`,
      log,
    });
    this.dashboardToken = options.dashboardToken ?? newDashboardToken();
    this.dashboard = new Dashboard(options.dashboard, this.dashboardToken, {
      projectRoot: options.projectRoot,
      endpoints: () => this.endpoints(),
      sessionIds: (endpoint) => this.sessions.forEndpoint(endpoint).map((s) => s.id),
      clientList: () => this.clientList(),
      traffic: () => this.traffic.series(),
    }, log);
    this.dashboard.mount(this.app);
    const report = new Reporter(log, this.dashboard, this);
    const services: Services = {
      sessions: this.sessions,
      clients: this.clients,
      bus: this.bus,
      traffic: this.traffic,
      log,
      openClient: (m, uri, handler, engine) => opener.open(m, uri, handler, engine),
      reportFault: (fault) => report.fault(fault),
    };
    this.registry = new HandlerRegistry({
      limits: { cpuLimitMs: options.cpuLimitMs, maxTimers: options.maxTimers, maxOutboxEntries: options.maxOutboxEntries },
      memoryLimitMb: options.memoryLimitMb,
      maxQueuedEvents: options.maxQueuedEvents,
      maxQueuedBytes: options.maxQueuedBytes,
      maxCrashesPerMinute: options.maxCrashesPerMinute,
      log,
      capabilities,
      hostCallFor: (m) => createHostCall(m, ops, services),
      applyOutbox: (m, output, isCurrent) => applyOutbox(services, ops, m, output.text, output.binaries, isCurrent),
      onLoaded: (m, result) => report.loaded(m, result),
      reportStop: (m, stop) => report.cpuStop(m, stop),
      onDisabled: (project, error) => {
        report.problem(error);
        for (const s of this.sessions.list(project)) s.close(CloseCodes.internalError, "handler disabled after repeated crashes");
      },
    });
    const opener = new ClientOpener(options.projectRoot, options.maxClientsPerProject, outbound, this.clients, this.registry);
    const mounts = new MountTable(options.projectRoot, this.registry, this.sessions, log, (e) => report.problem(e));
    this.sync = new ProjectSync(options.projectRoot, mounts, this.registry, log, {
      descriptorReloaded: (file, ms) => report.descriptorReloaded(file, ms),
      problem: (error, kind) => report.problem(error, kind),
      filesChanged: () => opener.forget(),
    }, staticDir);
    this.liveness = new Liveness(this.sessions, (endpoint) => mounts.get(endpoint)?.descriptor.limits, () => mounts.tightestLiveness());
    this.status = new Status(mounts, this.sessions, this.registry, this.clients);
    for (const c of capabilities) if (c.setup) this.teardowns.push(c.setup(services));
    const upgradeService = createUpgradeHandler({
      serverFor: (maxPayload) => this.sockets.for(maxPayload),
      sessionCount: (endpoint) => this.sessions.countFor(endpoint),
      ownsServer: this.ownsServer,
      accepting: () => this.accepting,
      lookup: (endpoint) => mounts.get(endpoint),
      mountedNames: () => mounts.list().map((m) => m.endpoint),
      allowedHosts: options.allowedHosts,
      listenHost: options.host,
      firstLoadWaitMs: Math.min(options.handshakeTimeoutMs, MAX_FIRST_LOAD_WAIT_MS),
      log,
      accept: (ws, mount) => this.liveness.track(acceptSession(ws, mount.endpoint, mount.module!, this.sessions, this.traffic)),
    });
    this.server.on("upgrade", (req, socket, head) => {
      if (!this.dashboard.upgrade(req, socket, head)) upgradeService(req, socket, head);
    });
  }

  /** Loads the project and starts watching it. Idempotent. */
  start(): Promise<void> {
    this.started ??= this.sync.start(this.options.watch, this.options.reloadDebounceMs);
    return this.started;
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
    const address = this.server.address() as AddressInfo | null;
    if (!address) throw new AerostatError(SystemErrorCodes.CLOSED, "the server is not listening; call listen() first");
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  /** The dashboard's URL with its token ("http://host:port/websockets/v4/?token=…"); undefined when it is off. */
  get dashboardUrl(): string | undefined {
    return this.options.dashboard === "off" ? undefined : `${this.url}${DASHBOARD_PATH}?token=${this.dashboardToken}`;
  }

  /** The ws:// URL of an endpoint. */
  serviceUrl(endpoint: string): string {
    return serviceUrl(this.url.replace(/^http/, "ws"), endpoint);
  }

  endpoints(): EndpointInfo[] {
    return this.status.endpoints(this.server.listening ? this.url.replace(/^http/, "ws") : "");
  }

  /** Per handler module: events waiting and running, whether some version serves, loads so far, the last load error. */
  handlerStats(): HandlerStats[] {
    return this.status.handlerStats();
  }

  clientList(): ClientInfo[] {
    return this.status.clientList();
  }

  /** Stops accepting, closes sessions with 1001 and lets their onClose run (up to `graceMs`), then disposes the isolates. */
  async close(graceMs = 2000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.accepting = false;
    await this.started?.catch(() => undefined);
    await this.sync.stop();
    this.liveness.stop();
    this.dashboard.close();
    for (const s of this.sessions.all()) s.close(CloseCodes.goingAway, "server shutting down");
    const deadline = Date.now() + graceMs;
    while ((this.sessions.size > 0 || !this.registry.idle) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const s of this.sessions.all()) s.terminate();
    this.clients.closeAll();
    this.registry.disposeAll();
    for (const teardown of this.teardowns.splice(0)) teardown();
    await this.bus.close();
    this.sockets.close();
    if (this.ownsServer && this.server.listening) {
      this.server.closeAllConnections();
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }
  }
}

/** Creates a runtime for a project folder. See RuntimeOptions. */
export function createRuntime(options: RuntimeInit): Runtime {
  return new Runtime(options);
}
