import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocket, WebSocketServer } from "ws";
import type { Mount } from "../project/mounts.js";
import type { Logger } from "../log/logger.js";
import { RateLimitedLog } from "../log/rate-limited.js";
import { truncateText } from "../log/truncate.js";
import { hostAllowed, hostName } from "./host-check.js";
import { rejectHandshake } from "./reject-handshake.js";
import { originAllowed } from "./origin.js";
import { refusalBody, Refusals, type Refusal } from "./refusals.js";
import { serviceTarget } from "./routes.js";
import { handshakeRequest } from "../peers/handshake-info.js";
import type { SessionStart } from "../peers/accept-session.js";
import { askHandshakeHook } from "./handshake-hook.js";
import { REFUSAL_HEADER, refusalHeaderValue, type RecentRefusals } from "./recent-refusals.js";
import { chooseSubprotocol, offeredSubprotocols, pickSubprotocol } from "./subprotocols.js";
import { EVQ_SUBPROTOCOL_LIST } from "../protocol/evqueue.js";

/** A handshake waits for an endpoint's first load at most this long (or handshakeTimeoutMs, if shorter). */
export const MAX_FIRST_LOAD_WAIT_MS = 10_000;

export interface UpgradeRouting {
  /** The WebSocket server that enforces a given maxPayload. */
  serverFor(maxPayload: number): WebSocketServer;
  /** Open sessions of an endpoint. */
  sessionCount(endpoint: string): number;
  lookup(endpoint: string): Mount | undefined;
  mountedNames(): string[];
  /** Registers an accepted socket: the request it may read, and the data onHandshake gave it (JSON text). */
  accept(socket: WebSocket, mount: Mount, start: SessionStart): void;
  /** False when the server is shared: other paths are left to other listeners. */
  readonly ownsServer: boolean;
  readonly accepting: () => boolean;
  /** Host names served besides IP literals, localhost and `listenHost` (option allowedHosts). */
  readonly allowedHosts: readonly string[];
  readonly listenHost: string;
  /** How long a handshake waits for an endpoint's first load before it gets 503. */
  readonly firstLoadWaitMs: number;
  readonly log: Logger;
  /** Where refusals are remembered for the client's plain GET that asks why. */
  readonly recentRefusals: RecentRefusals;
  /** Why an endpoint's protocol cannot be served on this node (a socketcluster endpoint with no shared key), if it cannot. */
  protocolProblem(mount: Mount): string | undefined;
}

/** Routes handshakes by pathname to mounted endpoints; refuses the rest with a reason. */
export function createUpgradeHandler(routing: UpgradeRouting) {
  const refusals = new RateLimitedLog(routing.log, "refused handshakes");
  /** Handshakes waiting for a first load, per endpoint; at most maxSessions each. */
  const waiting = new Map<string, number>();

  const refuse = (req: IncomingMessage, socket: Duplex, refusal: Refusal, endpoint?: string): void => {
    const remote = req.socket.remoteAddress;
    const origin = req.headers.origin;
    refusals.warn(
      // Keyed by a mounted endpoint or a category: a stranger's made-up names must not each get a budget.
      endpoint !== undefined && routing.lookup(endpoint) ? endpoint : "(no such endpoint)",
      {
        status: refusal.status,
        ...(endpoint !== undefined ? { endpoint } : {}),
        origin: origin === undefined ? "(none)" : truncateText(origin, 200),
        reason: refusal.detail,
        remote,
      },
      `refused a handshake: ${refusal.detail}`,
    );
    routing.recentRefusals.remember(req, refusal);
    rejectHandshake(socket, refusal.status, refusalBody(refusal, remote), { [REFUSAL_HEADER]: refusalHeaderValue(refusal.brief) });
  };

  const waitForFirstLoad = (req: IncomingMessage, socket: Duplex, head: Buffer, mount: Mount): void => {
    const endpoint = mount.endpoint;
    const count = waiting.get(endpoint) ?? 0;
    if (count >= mount.descriptor.limits.maxSessions) {
      refuse(req, socket, Refusals.tooManyWaiting(endpoint, count), endpoint);
      return;
    }
    waiting.set(endpoint, count + 1);
    let done = false;
    const finish = (loaded: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const left = (waiting.get(endpoint) ?? 1) - 1;
      if (left > 0) waiting.set(endpoint, left);
      else waiting.delete(endpoint);
      if (socket.destroyed) return;
      if (loaded) handle(req, socket, head, true);
      else refuse(req, socket, Refusals.stillLoading(endpoint), endpoint);
    };
    const timer = setTimeout(() => finish(false), routing.firstLoadWaitMs);
    timer.unref();
    mount.module!.settled().then(
      () => finish(true),
      () => finish(false),
    );
  };

  const handle = (req: IncomingMessage, socket: Duplex, head: Buffer, retried = false): void => {
    if (!retried) socket.on("error", () => socket.destroy());
    const parsedUrl = new URL(req.url ?? "/", "http://localhost");
    const pathname = parsedUrl.pathname;
    const target = serviceTarget(pathname);
    const endpoint = target?.endpoint;
    if (endpoint === undefined) {
      if (routing.ownsServer) refuse(req, socket, Refusals.notAService(pathname));
      return;
    }
    if (!routing.accepting()) return refuse(req, socket, Refusals.shuttingDown(), endpoint);
    if (!hostAllowed(req.headers.host, routing.allowedHosts, routing.listenHost)) {
      return refuse(req, socket, Refusals.hostNotAllowed(hostName(req.headers.host)), endpoint);
    }
    const mount = routing.lookup(endpoint);
    if (!mount) return refuse(req, socket, Refusals.unknownEndpoint(endpoint, routing.mountedNames()), endpoint);
    // Only a monorail endpoint takes a segment after its name (the default resource).
    if (target!.resource !== undefined && mount.descriptor.protocol !== "monorail") return refuse(req, socket, Refusals.notAService(pathname), endpoint);
    const limits = mount.descriptor.limits;
    if (!originAllowed(req, limits.allowedOrigins)) {
      return refuse(req, socket, Refusals.originNotAllowed(req.headers.origin, endpoint), endpoint);
    }
    if (routing.sessionCount(endpoint) >= limits.maxSessions) {
      return refuse(req, socket, Refusals.full(endpoint, limits.maxSessions), endpoint);
    }
    const module = mount.module;
    if (module && !module.ready && !module.lastError && !retried) {
      // Mounted a moment ago; its first load is still running.
      waitForFirstLoad(req, socket, head, mount);
      return;
    }
    if (!module || !module.ready) {
      const why = mount.problem ?? module?.lastError;
      if (!why) return refuse(req, socket, Refusals.stillLoading(endpoint), endpoint);
      return refuse(req, socket, Refusals.cannotServe(endpoint, why.toString()), endpoint);
    }
    const problem = routing.protocolProblem(mount);
    if (problem) return refuse(req, socket, Refusals.cannotServe(endpoint, problem), endpoint);
    if (mount.descriptor.protocol === "evqueue") {
      // evQueue clients ask for "api" or "events"; the first of those offered is selected and echoed.
      const picked = pickSubprotocol(req, EVQ_SUBPROTOCOL_LIST);
      if (!picked) return refuse(req, socket, Refusals.subprotocolMissing(endpoint, "evQueue", EVQ_SUBPROTOCOL_LIST, offeredSubprotocols(req)), endpoint);
      chooseSubprotocol(req, picked);
    }
    const info = handshakeRequest(req, parsedUrl);
    const request = JSON.stringify(info);
    const upgrade = (data?: string) =>
      routing.serverFor(limits.maxPayload).handleUpgrade(req, socket, head, (ws) =>
        routing.accept(ws, mount, {
          request,
          origin: info.headers.origin ?? "",
          remoteAddress: info.remoteAddress,
          ...(data !== undefined ? { data } : {}),
        }),
      );
    // A socketcluster endpoint asks onHandshake when the client's #handshake arrives, with its token.
    if (!module.hooks.has("onHandshake") || mount.descriptor.protocol === "socketcluster") return upgrade();
    // The handler decides: accept (with the connection's first data) or refuse with a status and reason.
    void askHandshakeHook(module, info, routing.firstLoadWaitMs).then((answer) => {
      if (socket.destroyed) return;
      if (!answer.ok) return refuse(req, socket, Refusals.byHandler(endpoint, answer.status, answer.reason), endpoint);
      // The hook took time: the server may be stopping, the endpoint gone or repointed, or full by now.
      if (!routing.accepting()) return refuse(req, socket, Refusals.shuttingDown(), endpoint);
      const now = routing.lookup(endpoint);
      if (!now || now.module !== module || !module.ready) return refuse(req, socket, Refusals.stillLoading(endpoint), endpoint);
      if (routing.sessionCount(endpoint) >= now.descriptor.limits.maxSessions) {
        return refuse(req, socket, Refusals.full(endpoint, now.descriptor.limits.maxSessions), endpoint);
      }
      upgrade(answer.data);
    });
  };
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => handle(req, socket, head);
}
