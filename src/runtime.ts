import { EventEmitter } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Express } from "express";
import { WebSocketServer } from "ws";
import { createHostCall } from "./ops/host-call.js";
import { PeerKind } from "./protocol/boundary.js";
import { applyOutbox } from "./ops/apply-outbox.js";
import type { BridgeServices, ClientRefusal, HandlerFault } from "./ops/services.js";
import { resolveOptions, type ResolvedOptions, type RuntimeOptions } from "./config/options.js";
import type { EndpointLimits } from "./config/descriptor.js";
import { acceptSession } from "./peers/accept-session.js";
import { Liveness } from "./peers/liveness.js";
import { OutboundGate } from "./outbound/outbound-gate.js";
import { ClientRegistry, type ClientInfo } from "./peers/clients.js";
import { CloseCodes, MountTable } from "./project/mounts.js";
import { SessionRegistry } from "./peers/sessions.js";
import { TrafficMeter } from "./peers/traffic.js";
import { AerostatError, SystemErrorCodes } from "./errors/codes.js";
import { handlerFields } from "./log/handler-fields.js";
import { createLogger, type Logger } from "./log/logger.js";
import { resolveHandler, type ResolvedHandler } from "./project/handler-path.js";
import { ProjectSync } from "./project/project-sync.js";
import type { CpuStop, HandlerModule, LoadResult } from "./sandbox/handler-module.js";
import { HandlerRegistry } from "./sandbox/handler-registry.js";
import { assertNodeFlags } from "./sandbox/node-flags.js";
import { Dashboard } from "./dashboard/dashboard.js";
import { newDashboardToken } from "./dashboard/token.js";
import { createHttpApp } from "./server/http-app.js";
import { DASHBOARD_PATH, endpointFromPath, SERVICE_PREFIX, serviceUrl } from "./server/routes.js";
import { createUpgradeHandler, MAX_FIRST_LOAD_WAIT_MS } from "./server/upgrade.js";

export interface ReloadEvent {
  /** Project-relative path of the file that was (re)loaded. */
  readonly file: string;
  readonly kind: "descriptor" | "handler";
  readonly ok: boolean;
  readonly ms?: number;
  readonly error?: AerostatError;
}

export interface EndpointInfo {
  readonly endpoint: string;
  readonly url: string;
  readonly handler: string;
  readonly descriptor: string;
  readonly description: string;
  readonly sessions: number;
  /** Why the endpoint cannot serve, if it cannot. */
  readonly problem?: string;
}

export interface HandlerStats {
  readonly handler: string;
  readonly project: string;
  readonly queued: number;
  /** Events in the dispatch now running. */
  readonly running: number;
  readonly ready: boolean;
  readonly loads: number;
  readonly error?: string;
}

export interface RuntimeEvents {
  /** A descriptor or handler was loaded again after a change. */
  reload: [ReloadEvent];
  /** A file problem: bad descriptor, missing handler, endpoint conflict. */
  problem: [AerostatError];
  /** A handler function threw. */
  fault: [HandlerFault];
}

/**
 * The runtime: a project folder served over WebSockets. Create it with
 * createRuntime(), then listen() (or start() when attached to your own server).
 */
export class Runtime extends EventEmitter<RuntimeEvents> {
  readonly options: ResolvedOptions;
  /** Express app with the project's static files; mount it in your own app if you attach. */
  readonly app: Express;
  readonly server: Server;
  readonly log: Logger;
  private readonly ownsServer: boolean;
  /** One WebSocket server per distinct maxPayload among the endpoints. */
  private readonly wssByPayload = new Map<number, WebSocketServer>();
  private readonly sessions = new SessionRegistry();
  /** Messages in and out per second, for the dashboard. */
  readonly traffic = new TrafficMeter();
  private readonly clients: ClientRegistry;
  private readonly registry: HandlerRegistry;
  private readonly mounts: MountTable;
  private readonly liveness: Liveness;
  private readonly sync: ProjectSync;
  private readonly dashboard: Dashboard;
  /** The dashboard's per-run secret; see dashboardUrl. */
  private readonly dashboardToken: string;
  private readonly outbound: OutboundGate;
  private started: Promise<void> | undefined;
  private accepting = true;
  private closed = false;
  /** createWebsocket's handler paths, resolved; cleared whenever files change. */
  private readonly resolvedHandlers = new Map<string, ResolvedHandler>();

  constructor(input: RuntimeOptions) {
    super();
    assertNodeFlags();
    const options = resolveOptions(input);
    this.options = options;
    this.log = options.logger ?? createLogger();
    this.clients = new ClientRegistry(this.traffic, options.maxBufferedBytes);
    const staticDir =
      options.staticDir === false ? undefined : (options.staticDir ?? path.join(options.projectRoot, "public"));
    this.app = createHttpApp(staticDir);
    this.ownsServer = !options.server;
    this.server =
      options.server ??
      createServer(
        {
          // Slow or stalled handshakes are dropped; Node checks these on an interval.
          headersTimeout: options.handshakeTimeoutMs,
          requestTimeout: Math.max(options.handshakeTimeoutMs, 30_000),
          connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(options.handshakeTimeoutMs / 4))),
        },
        this.app,
      );
    // An error on a listening server it owns (accept failing, say) is logged, never fatal.
    if (this.ownsServer) this.server.on("error", (error) => this.log.error({ err: error }, "HTTP server error"));

    const services: BridgeServices = {
      maxBufferedBytes: options.maxBufferedBytes,
      sessions: this.sessions,
      clients: this.clients,
      traffic: this.traffic,
      log: this.log,
      openClient: (m, uri, handler, engine) => this.openClient(m, uri, handler, engine),
      reportFault: (fault) => this.onFault(fault),
    };
    this.registry = new HandlerRegistry({
      limits: {
        cpuLimitMs: options.cpuLimitMs,
        maxTimers: options.maxTimers,
        maxOutboxEntries: options.maxOutboxEntries,
      },
      memoryLimitMb: options.memoryLimitMb,
      maxQueuedEvents: options.maxQueuedEvents,
      maxQueuedBytes: options.maxQueuedBytes,
      log: this.log,
      hostCallFor: (m) => createHostCall(m, services),
      applyOutbox: (m, text, isCurrent) => applyOutbox(services, m, text, isCurrent),
      onLoaded: (m, result) => this.onModuleLoaded(m, result),
      reportStop: (m, stop) => this.onCpuStop(m, stop),
      maxCrashesPerMinute: options.maxCrashesPerMinute,
      onDisabled: (project, error) => this.onProjectDisabled(project, error),
    });
    this.mounts = new MountTable(options.projectRoot, this.registry, this.sessions, this.log, (e) =>
      this.onProblem(e),
    );
    this.sync = new ProjectSync(options.projectRoot, this.mounts, this.registry, this.log, {
      descriptorReloaded: (file, ms) => this.emit("reload", { file, kind: "descriptor", ok: true, ...(ms ? { ms } : {}) }),
      problem: (error, kind) => this.onProblem(error, kind),
      filesChanged: () => this.resolvedHandlers.clear(),
    }, staticDir);
    this.liveness = new Liveness(
      this.sessions,
      (endpoint) => this.mounts.get(endpoint)?.descriptor.limits,
      () => tightestLiveness(this.mounts.list().map((m) => m.descriptor.limits)),
    );
    this.outbound = new OutboundGate({
      allowed: options.outboundHosts,
      ownPort: () => (this.server.address() as AddressInfo | null)?.port,
      isServicePath: (pathname) => endpointFromPath(pathname) !== undefined,
      servicePaths: `${SERVICE_PREFIX}<endpoint>`,
      log: this.log,
    });
    this.dashboardToken = options.dashboardToken ?? newDashboardToken();
    this.dashboard = new Dashboard(options.dashboard, this.dashboardToken, {
      projectRoot: options.projectRoot,
      endpoints: () => this.endpoints(),
      sessionIds: (endpoint) => this.sessions.forEndpoint(endpoint).map((s) => s.id),
      clientList: () => this.clientList(),
      traffic: () => this.traffic.series(),
    }, this.log);
    this.dashboard.mount(this.app);
    const upgradeService = createUpgradeHandler({
      serverFor: (maxPayload) => this.serverFor(maxPayload),
      sessionCount: (endpoint) => this.sessions.countFor(endpoint),
      ownsServer: this.ownsServer,
      accepting: () => this.accepting,
      lookup: (endpoint) => this.mounts.get(endpoint),
      mountedNames: () => this.mounts.list().map((m) => m.endpoint),
      allowedHosts: options.allowedHosts,
      listenHost: options.host,
      firstLoadWaitMs: Math.min(options.handshakeTimeoutMs, MAX_FIRST_LOAD_WAIT_MS),
      log: this.log,
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
    if (this.options.dashboard === "off") return undefined;
    return `${this.url}${DASHBOARD_PATH}?token=${this.dashboardToken}`;
  }

  /** The ws:// URL of an endpoint. */
  serviceUrl(endpoint: string): string {
    return serviceUrl(this.url.replace(/^http/, "ws"), endpoint);
  }

  endpoints(): EndpointInfo[] {
    const base = this.server.listening ? this.url.replace(/^http/, "ws") : "";
    return this.mounts.list().map((m) => ({
      endpoint: m.endpoint,
      url: serviceUrl(base, m.endpoint),
      handler: m.module?.key ?? m.descriptor.handler,
      descriptor: m.descriptor.file,
      description: m.descriptor.description,
      sessions: this.sessions.countFor(m.endpoint),
      ...(m.problem || m.module?.lastError ? { problem: String(m.problem ?? m.module?.lastError) } : {}),
    }));
  }

  /** Per handler module: events waiting, whether some version serves, loads so far, the last load error. */
  handlerStats(): HandlerStats[] {
    return this.registry.all().map((m) => ({
      handler: m.key,
      project: m.project,
      queued: m.queued,
      running: m.running,
      ready: m.ready,
      loads: m.loads,
      ...(m.lastError ? { error: m.lastError.toString() } : {}),
    }));
  }

  clientList(): ClientInfo[] {
    return this.clients.all().map((c) => this.clients.info(c));
  }

  /**
   * Stops accepting connections, closes sessions with 1001 and lets their
   * onClose run (up to `graceMs`), then disposes the isolates.
   */
  async close(graceMs = 2000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.accepting = false;
    await this.started?.catch(() => undefined);
    await this.sync.stop();
    this.liveness.stop();
    this.dashboard.close();
    for (const s of this.sessions.all()) s.socket.close(CloseCodes.goingAway, "server shutting down");
    const deadline = Date.now() + graceMs;
    while ((this.sessions.size > 0 || !this.registry.idle) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    for (const s of this.sessions.all()) s.socket.terminate();
    this.clients.closeAll();
    this.registry.disposeAll();
    for (const wss of this.wssByPayload.values()) wss.close();
    if (this.ownsServer && this.server.listening) {
      this.server.closeAllConnections();
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }
  }

  private serverFor(maxPayload: number): WebSocketServer {
    let wss = this.wssByPayload.get(maxPayload);
    if (!wss) {
      wss = new WebSocketServer({ noServer: true, maxPayload, clientTracking: false });
      wss.on("error", (error) => this.log.error({ err: error }, "WebSocket server error"));
      this.wssByPayload.set(maxPayload, wss);
    }
    return wss;
  }

  // ---- loading and reloading ----------------------------------------------

  private onModuleLoaded(module: HandlerModule, result: LoadResult): void {
    if (result.ok) {
      const ms = Math.round(result.ms * 10) / 10;
      const verb = module.loads > 1 ? "reloaded" : "loaded";
      this.log.info({ handler: module.key, ms }, `${verb} ${module.key} in ${ms} ms`);
      this.emit("reload", { file: module.key, kind: "handler", ok: true, ms: result.ms });
    } else {
      this.onProblem(result.error, "handler");
    }
  }

  private onProblem(error: AerostatError, reloadKind?: ReloadEvent["kind"]): void {
    this.log.error({ code: error.code, file: error.where() || undefined, field: error.location?.field }, error.toString());
    this.dashboard.recordProblem(error);
    this.emit("problem", error);
    if (reloadKind) {
      this.emit("reload", { file: error.location?.file ?? "", kind: reloadKind, ok: false, error });
    }
  }

  private onProjectDisabled(project: string, error: AerostatError): void {
    this.onProblem(error);
    for (const s of this.sessions.all()) {
      if (s.project === project) s.socket.close(CloseCodes.internalError, "handler disabled after repeated crashes");
    }
  }

  private onFault(fault: HandlerFault): void {
    const { project, handler, endpoint, method, peerId, error, at } = fault;
    const peer = endpoint ? { kind: PeerKind.session, id: peerId, where: endpoint } : undefined;
    this.log.error({ ...handlerFields(project, handler, peer), method, at }, `${at}: ${method} threw ${error}`);
    this.dashboard.recordFault(fault);
    this.emit("fault", fault);
  }

  private onCpuStop(module: HandlerModule, stop: CpuStop): void {
    const session = stop.peerKind === PeerKind.session;
    const peer = { kind: stop.peerKind, id: stop.peerId, where: stop.where };
    this.log.error({ ...handlerFields(module.project, module.key, peer), method: stop.method }, stop.text);
    this.dashboard.record({
      at: module.key,
      message: stop.text.replace(/^Error: /, ""),
      ...(session ? { endpoint: stop.where } : {}),
      ...(stop.peerId ? { session: stop.peerId } : {}),
    });
  }

  private openClient(module: HandlerModule, uri: string, handler: string, engine: string): ClientInfo | ClientRefusal {
    if (engine !== "javascript") return { error: `createWebsocket: engine must be "javascript", got "${engine}"` };
    if (!/^wss?:\/\//i.test(uri)) return { error: `createWebsocket: uri must start with ws:// or wss://, got "${uri}"` };
    const gate = this.outbound.check(module.key, uri);
    if (!gate.ok) return { error: gate.error };
    const open = this.clients.list(module.project).length;
    if (open >= this.options.maxClientsPerProject) {
      return {
        error: `createWebsocket: this project already has ${open} open clients (limit ${this.options.maxClientsPerProject}); close some first`,
        kind: "range",
      };
    }
    let target = this.resolvedHandlers.get(handler);
    if (!target) {
      try {
        target = resolveHandler(this.options.projectRoot, handler, module.key);
      } catch (error) {
        return { error: `createWebsocket: ${String((error as AerostatError).message ?? error)}` };
      }
      this.resolvedHandlers.set(handler, target);
    }
    if (target.project !== module.project) {
      return { error: `createWebsocket: handler "${handler}" belongs to another project folder than ${module.key}` };
    }
    const client = this.clients.create(module.project, uri, handler, engine, this.registry.ensure(target), gate.lookup);
    return this.clients.info(client);
  }
}

function tightestLiveness(limits: EndpointLimits[]): number {
  const values = limits.flatMap((l) => [l.heartbeatMs, l.idleTimeoutMs]).filter((v) => v > 0);
  return values.length ? Math.min(...values) : 4000;
}

/** Creates a runtime for a project folder. See RuntimeOptions. */
export function createRuntime(options: RuntimeOptions): Runtime {
  return new Runtime(options);
}
