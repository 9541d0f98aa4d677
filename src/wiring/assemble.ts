import type { EventEmitter } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Express } from "express";
import { MemoryBus } from "../bus/memory-bus.js";
import type { BusChannel, MessageBus } from "../bus/message-bus.js";
import { RedisBus } from "../bus/redis-bus.js";
import { BUILT_IN_CAPABILITIES } from "../capabilities/index.js";
import type { ResolvedOptions } from "../config/options.js";
import { Dashboard } from "../dashboard/dashboard.js";
import { sessionDetails } from "../dashboard/session-details.js";
import { newDashboardToken } from "../dashboard/token.js";
import { LogTail, teeToTail } from "../log/log-tail.js";
import { createLogger, type Logger } from "../log/logger.js";
import { truncateText } from "../log/truncate.js";
import { applyOutbox } from "../ops/apply-outbox.js";
import type { Capability } from "../ops/capability.js";
import { createHostCall } from "../ops/host-call.js";
import { OpTable } from "../ops/op-table.js";
import type { Services } from "../ops/services.js";
import { OutboundGate } from "../outbound/outbound-gate.js";
import { acceptSession } from "../peers/accept-session.js";
import { ClientRegistry } from "../peers/clients.js";
import { closeSessionsLogged } from "../peers/close-sessions.js";
import { HttpExchanges } from "../peers/exchanges.js";
import { Liveness } from "../peers/liveness.js";
import { SessionRegistry } from "../peers/sessions.js";
import { TrafficMeter } from "../peers/traffic.js";
import { MountTable } from "../project/mounts.js";
import { ProjectSync } from "../project/project-sync.js";
import { CloseCodes } from "../protocol/close-codes.js";
import { PeerKind } from "../protocol/events.js";
import { HandlerRegistry } from "../sandbox/handler-registry.js";
import { createHttpApp } from "../server/http-app.js";
import { createOwnedServer, SocketServers } from "../server/http-server.js";
import { serviceTarget, SERVICE_PREFIX } from "../server/routes.js";
import { RecentRefusals } from "../server/recent-refusals.js";
import { createUpgradeHandler, MAX_FIRST_LOAD_WAIT_MS } from "../server/upgrade.js";
import { ClientOpener } from "./client-opener.js";
import { Reporter } from "./reporter.js";
import { ScriptServices } from "./script-services.js";
import { StompGateway } from "../stomp/stomp-gateway.js";
import { ScGateway } from "../protocols/socketcluster/gateway.js";
import { MrGateway } from "../protocols/monorail/gateway.js";
import { EvqGateway } from "../protocols/evqueue/gateway.js";
import type { EvqEndpointStats } from "../protocols/evqueue/stats.js";
import { hostname } from "node:os";
import { EvqClients } from "../protocols/evqueue/client/evq-clients.js";
import { mqConnectionProblem } from "../config/monorail-options.js";
import { randomBytes } from "node:crypto";
import type { RuntimeEvents } from "./runtime-events.js";
import { Status } from "./status.js";
import { ListenerTable } from "../listeners/listener-table.js";

/** Everything a runtime is made of, wired together. */
export interface Parts {
  readonly log: Logger;
  readonly app: Express;
  readonly server: Server;
  readonly ownsServer: boolean;
  readonly traffic: TrafficMeter;
  readonly sessions: SessionRegistry;
  readonly clients: ClientRegistry;
  readonly exchanges: HttpExchanges;
  /** STOMP sessions over SockJS. */
  readonly stomp: StompGateway;
  /** Connections of socketcluster endpoints. */
  readonly socketcluster: ScGateway;
  /** Connections of monorail endpoints, their watchers and mq consumers. */
  readonly monorail: MrGateway;
  /** Connections of evqueue endpoints and their subscriptions. */
  readonly evqueue: EvqGateway;
  /** Per mounted evqueue endpoint: connections, subscriptions, events sent and merged, failed sign-ins. */
  readonly evqueueStats: () => EvqEndpointStats[];
  readonly bus: MessageBus;
  readonly sockets: SocketServers;
  readonly registry: HandlerRegistry;
  readonly liveness: Liveness;
  readonly sync: ProjectSync;
  readonly dashboard: Dashboard;
  readonly dashboardToken: string;
  readonly status: Status;
  /** The project's `.listener`s: running listeners and their connections. */
  readonly listeners: ListenerTable;
  /** Undo what capabilities set up. */
  readonly teardowns: (() => void)[];
}

/**
 * Builds the pieces of a runtime and connects them: sockets feed handler
 * modules; modules' outboxes and host calls go through the ops table to the
 * peers and the bus; file changes go through the project sync to the mounts
 * and the registry; everything that goes wrong goes to the reporter.
 */
export function assemble(
  options: ResolvedOptions,
  extraCapabilities: readonly Capability[],
  events: EventEmitter<RuntimeEvents>,
  accepting: () => boolean,
): Parts {
  // The dashboard's log tail sees every line the runtime writes.
  const tail = new LogTail();
  const log = options.dashboard === "off" ? (options.logger ?? createLogger()) : teeToTail(options.logger ?? createLogger(), tail);
  const staticDir = options.staticDir === false ? undefined : (options.staticDir ?? path.join(options.projectRoot, "public"));
  // Script services are made below, once the registry and mounts exist.
  const recentRefusals = new RecentRefusals();
  const app = createHttpApp(staticDir, {
    recentRefusals,
    scriptService: (prefix, req, res) => scripts.handle(prefix, req, res),
    sockjs: (req, res) => stomp.request(req, res),
  });
  const server = options.server ?? createOwnedServer(options.handshakeTimeoutMs, app, log);
  const traffic = new TrafficMeter();
  // With the redis engine, peer ids name the node that holds them ("n1.s12").
  const sessions = new SessionRegistry(options.maxBufferedBytes, options.nodeName);
  const clients = new ClientRegistry(traffic, options.maxBufferedBytes, options.nodeName);
  const exchanges = new HttpExchanges(log);
  const bus = createBus(options, log);
  const capabilities = [...BUILT_IN_CAPABILITIES, ...extraCapabilities];
  const ops = new OpTable(capabilities);
  const outbound = new OutboundGate({
    allowed: options.outboundHosts,
    ownPort: () => (server.address() as AddressInfo | null)?.port,
    isServicePath: (pathname) => serviceTarget(pathname) !== undefined,
    servicePaths: `${SERVICE_PREFIX}<endpoint>`,
    log,
  });
  const socketcluster = new ScGateway({
    sessions,
    bus,
    traffic,
    log,
    // Without a shared key, one made for this process: tokens stop working when it restarts.
    authKey: options.authKey ?? randomBytes(32),
    historyRules: (project) => mounts.historyRules(project),
  });
  // Scripts' evQueue clusters; faults go to the reporter, made below.
  const evqueueClients = new EvqClients({
    connections: options.connections,
    checkOutbound: (m, uri, api) => outbound.check(m.key, uri, api),
    log,
    reportFault: (fault) => report.fault(fault),
    hookTimeoutMs: Math.max(30_000, options.cpuLimitMs * 2),
  });
  const monorail = new MrGateway({ sessions, bus, traffic, log, connections: options.connections, descriptorOf: (endpoint) => mounts.get(endpoint)?.descriptor.file });
  const evqueue = new EvqGateway({ sessions, bus, log, node: options.nodeName || hostname(), authTimeoutMs: options.handshakeTimeoutMs });
  const evqueueStats = () => evqueue.stats(mounts.list().flatMap((m) => (m.descriptor.protocol === "evqueue" ? [m.endpoint] : [])));
  let warnedKey = options.authKey !== undefined;
  const dashboardToken = options.dashboardToken ?? newDashboardToken();
  // The dashboard's source reads the status, made below.
  const dashboard = new Dashboard(options.dashboard, dashboardToken, {
    projectRoot: options.projectRoot,
    endpoints: () => status.endpoints(server.listening ? wsBase(server) : ""),
    sessionIds: (endpoint, max) => firstIds(sessions.eachOf(endpoint), max),
    counts: (endpoint) => sessions.countsFor(endpoint),
    sessionDetails: (endpoint) => ({
      endpoint: truncateText(endpoint, 256),
      total: sessions.countFor(endpoint),
      sessions: sessionDetails(sessions.eachOf(endpoint)),
    }),
    closeSession: (id, code, reason) => {
      const session = sessions.find(id);
      session?.close(code, reason);
      return session && { endpoint: session.endpoint };
    },
    logSince: (seq) => tail.since(seq),
    clientList: () => [...status.clientList(), ...evqueueClients.clientInfos()],
    traffic: () => traffic.series(),
    isolates: () => registry.isolateStats(),
    engine: () => bus.status(),
    channels: () => socketcluster.index.counts(),
    scEndpoints: () => {
      const signedIn = socketcluster.signedInByEndpoint();
      return mounts.list().flatMap((m) =>
        m.descriptor.protocol === "socketcluster" ? [{ ...socketcluster.rpc.of(m.endpoint), signedIn: signedIn.get(m.endpoint) ?? 0 }] : [],
      );
    },
    listeners: () => listeners.list(),
    evqueue: () => evqueueStats(),
  }, log);
  dashboard.mount(app);
  const report = new Reporter(log, dashboard, events);
  const services: Services = {
    sessions,
    clients,
    exchanges,
    bus,
    socketcluster,
    monorail,
    evqueue,
    evqueueClients,
    serverEventsCompat: new Set(options.serverEventsCompat),
    traffic,
    log,
    configuration: new Map(Object.entries(options.configurations)),
    openClient: (m, uri, handler, engine, reconnect) => opener.open(m, uri, handler, engine, reconnect),
    checkOutbound: (m, uri, api) => outbound.check(m.key, uri, api),
    reportFault: (fault) => report.fault(fault),
  };
  const registry = new HandlerRegistry({
    limits: { cpuLimitMs: options.cpuLimitMs, maxTimers: options.maxTimers, maxOutboxEntries: options.maxOutboxEntries },
    memoryLimitMb: options.memoryLimitMb,
    maxQueuedEvents: options.maxQueuedEvents,
    maxQueuedBytes: options.maxQueuedBytes,
    inlineDispatch: options.inlineDispatch,
    maxCrashesPerMinute: options.maxCrashesPerMinute,
    log,
    capabilities,
    hostCallFor: (m, caller) => createHostCall(m, ops, services, caller),
    applyOutbox: (m, output, isCurrent) => applyOutbox(services, ops, m, output.text, output.binaries, isCurrent),
    onLoaded: (m, result) => {
      report.loaded(m, result);
      mounts.handlerLoaded(m, result.ok);
    },
    reportStop: (m, stop) => report.cpuStop(m, stop),
    reportRejection: (m, error) => report.rejection(m, error),
    onDisabled: (project, handlers, error) => {
      report.problem(error);
      mounts.handlersDisabled(handlers);
      const scope = `project folder "${project || "(root)"}"`;
      const disabled = sessions.list(project).filter((s) => handlers.has(s.handlerKey));
      closeSessionsLogged(disabled, CloseCodes.internalError, "handler disabled after repeated crashes", log, scope, { project });
    },
    eventFailed: (_m, peerKind, peerId, status, text) => {
      if (peerKind === PeerKind.http) exchanges.fail(peerId, status, text.replace(/^Error: /, ""));
    },
  });
  const opener = new ClientOpener(options.projectRoot, options.maxClientsPerProject, outbound, clients, registry);
  const mounts = new MountTable(options.projectRoot, registry, sessions, log, (e) => report.problem(e), (d) =>
    mqConnectionProblem(d.file, d.monorail, options.connections, () => readFileSync(path.join(options.projectRoot, d.file), "utf8")),
  );
  const listeners = new ListenerTable({
    root: options.projectRoot,
    registry,
    connections: options.connections,
    log,
    maxWaiting: options.maxQueuedEvents,
    answerTimeoutMs: Math.max(30_000, options.cpuLimitMs * 2),
    onProblem: (e) => report.problem(e),
    fault: (m, listener, hook, error) =>
      report.fault({ project: m.project, handler: m.key, peerKind: PeerKind.none, peerId: "", where: `listener ${listener}`, method: hook, error, at: m.key }),
  });
  const sync = new ProjectSync(options.projectRoot, mounts, registry, log, {
    descriptorReloaded: (file, ms) => report.descriptorReloaded(file, ms),
    problem: (error, kind) => report.problem(error, kind),
    filesChanged: () => opener.forget(),
  }, staticDir, { runner: listeners, connections: options.connections });
  const scripts = new ScriptServices({
    root: options.projectRoot,
    staticDir,
    access: options.scriptServices,
    cpuLimitMs: options.cpuLimitMs,
    registry,
    mounts,
    descriptorHandlers: () => sync.descriptors.all().map((d) => d.handler),
    accepting,
    exchanges,
    log,
  });
  const stomp = new StompGateway({
    log,
    lookup: (endpoint) => mounts.get(endpoint),
    allowedHosts: options.allowedHosts,
    listenHost: options.host,
    accepting,
    answerTimeoutMs: Math.max(30_000, options.cpuLimitMs * 2),
  });
  const liveness = new Liveness(sessions, (endpoint) => mounts.get(endpoint)?.descriptor.limits, () => mounts.tightestLiveness());
  const status = new Status(mounts, sessions, registry, clients);
  const teardowns = capabilities.flatMap((c) => (c.setup ? [c.setup(services)] : []));
  teardowns.push(() => evqueueClients.closeAll());
  const sockets = new SocketServers(log);
  const upgradeService = createUpgradeHandler({
    serverFor: (maxPayload) => sockets.for(maxPayload),
    sessionCount: (endpoint) => sessions.countFor(endpoint),
    ownsServer: !options.server,
    accepting,
    lookup: (endpoint) => mounts.get(endpoint),
    mountedNames: () => mounts.list().map((m) => m.endpoint),
    allowedHosts: options.allowedHosts,
    listenHost: options.host,
    firstLoadWaitMs: Math.min(options.handshakeTimeoutMs, MAX_FIRST_LOAD_WAIT_MS),
    log,
    recentRefusals,
    protocolProblem: (mount) =>
      mount.descriptor.protocol === "socketcluster" && options.engine !== "memory" && options.authKey === undefined
        ? "socketcluster endpoints on the redis engine need the sign-in key every node shares: start each node with --auth-key-file <file>"
        : undefined,
    accept: (ws, mount, start) => {
      const evq = mount.descriptor.evqueue;
      if (evq) return liveness.track(evqueue.accept(ws, mount.endpoint, mount.module!, evq, start));
      const mr = mount.descriptor.monorail;
      if (mr) return liveness.track(monorail.accept(ws, mount.endpoint, mount.module!, mr, start));
      const sc = mount.descriptor.socketcluster;
      if (!sc) return liveness.track(acceptSession(ws, mount.endpoint, mount.module!, sessions, traffic, start));
      if (!warnedKey) {
        warnedKey = true;
        log.warn({}, "socketcluster: no --auth-key-file; sign-in tokens are signed with a key made for this process and stop working when it restarts");
      }
      liveness.track(socketcluster.accept(ws, mount.endpoint, mount.module!, sc, start));
    },
  });
  server.on("upgrade", (req, socket, head) => {
    if (!dashboard.upgrade(req, socket, head) && !stomp.upgrade(req, socket, head)) upgradeService(req, socket, head);
  });
  return {
    log, app, server, ownsServer: !options.server, traffic, sessions, clients, exchanges, stomp, socketcluster, monorail, evqueue, evqueueStats, bus, sockets,
    registry, liveness, sync, dashboard, dashboardToken, status, listeners, teardowns,
  };
}

/** The engine the options name: memory (this process) or redis (every node on one Redis). */
function createBus(options: ResolvedOptions, log: Logger): MessageBus {
  const onError = (channel: BusChannel, error: unknown) =>
    log.error({ channel, err: error }, `delivering a ${channel.kind}:${channel.name} message of "${channel.project}" failed`);
  if (options.engine === "memory") return new MemoryBus(onError);
  return new RedisBus({ url: options.redisUrl, node: options.nodeName, cluster: options.redisCluster, log, onError });
}

/** The ids of the first `max` sessions, without copying the rest. */
function firstIds(sessions: Iterable<{ readonly id: string }>, max: number): string[] {
  const ids: string[] = [];
  for (const s of sessions) {
    if (ids.length >= max) break;
    ids.push(s.id);
  }
  return ids;
}

/** "ws://host:port" of a listening server. */
export function wsBase(server: Server): string {
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `ws://${host}:${address.port}`;
}
