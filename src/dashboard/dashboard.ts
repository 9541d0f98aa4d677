import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Express, Response } from "express";
import { WebSocketServer, type WebSocket } from "ws";
import type { HandlerFault } from "../ops/services.js";
import type { AerostatError } from "../errors/codes.js";
import type { Logger } from "../log/logger.js";
import { RateLimitedLog } from "../log/rate-limited.js";
import { CloseCodes } from "../protocol/close-codes.js";
import { isLoopbackRequest } from "../server/loopback.js";
import { rejectHandshake } from "../server/reject-handshake.js";
import {
  DASHBOARD_CLEAR_ERRORS_PATH,
  DASHBOARD_CLOSE_SESSION_PATH,
  DASHBOARD_PATH,
  DASHBOARD_SCRIPT_PATH,
  DASHBOARD_SOCKET_PATH,
} from "../server/routes.js";
import { WebAssets } from "../server/web-assets.js";
import { originAllowed } from "../server/origin.js";
import { dashboardAccess, type DashboardAccess } from "./access.js";
import { checkAction } from "./actions.js";
import { EndpointRates } from "./rates.js";
import { NAME_KEPT, RecentErrors, type RecentError } from "./recent-errors.js";
import { buildSnapshot, type DashboardSource } from "./snapshot.js";
import { TOKEN_REFUSAL, tokenMatches } from "./token.js";
import { ViewerRequestError, viewerRequest } from "./viewer-request.js";

/** How often viewers get a fresh snapshot. */
const PUSH_INTERVAL_MS = 1000;
/** A snapshot longer than this is not sent (it is bounded by construction; this is the backstop). */
const MAX_SNAPSHOT_CHARS = 8 * 1024 * 1024;
/** What a session closed from the page gets: the handler's onClose sees it. */
export const OPERATOR_CLOSE = { code: CloseCodes.policyViolation, reason: "closed from the dashboard" } as const;

/** What the server keeps for each open page. */
interface Viewer {
  /** The endpoint whose sessions it shows in detail, if any. */
  show: string | null;
  /** The last log line it has. */
  logSeq: number;
  /** It is on this machine, so it may close sessions. */
  readonly canClose: boolean;
}

/**
 * The page loads only its own script and talks only to its own server, and no
 * other site may frame it.
 */
const PAGE_HEADERS = {
  "Cache-Control": "no-store",
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'",
  "X-Frame-Options": "DENY",
  "X-Content-Type-Options": "nosniff",
  // The page's URL carries the token: never send it on as a Referer.
  "Referrer-Policy": "no-referrer",
} as const;

/**
 * The live dashboard at /websockets/v4/: a page, its script, and a WebSocket
 * that pushes a snapshot every second while anyone is watching. Viewers never
 * ask; the server pushes. The page and the socket need the per-run token
 * (`?token=`) on top of the access rule; the script is public code.
 */
export class Dashboard {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1024, clientTracking: true });
  private readonly errors = new RecentErrors();
  private readonly rates = { messages: new EndpointRates(), calls: new EndpointRates(), listeners: new EndpointRates(), evqueue: new EndpointRates() };
  private readonly viewers = new Map<WebSocket, Viewer>();
  private timer: NodeJS.Timeout | undefined;
  private readonly refusals: RateLimitedLog;

  constructor(
    private readonly access: DashboardAccess,
    private readonly token: string,
    private readonly source: DashboardSource,
    private readonly log: Logger,
  ) {
    this.refusals = new RateLimitedLog(log, "refused dashboard requests");
    this.wss.on("error", (error) => this.log.error({ err: error }, "dashboard socket server error"));
  }

  /** Adds the page and its script to the app. */
  mount(app: Express): void {
    const page = (file: string, type: string, needsToken: boolean) => (req: IncomingMessage, res: Response) => {
      const decision = dashboardAccess(req, this.access);
      if (!decision.ok) {
        res.status(decision.status).type("text/plain").send(`${decision.reason}\n`);
        return;
      }
      if (needsToken && !tokenMatches(req, this.token)) {
        this.refusals.warn("token", { remote: req.socket.remoteAddress }, "refused the dashboard page: no or wrong token");
        res.status(403).set("Cache-Control", "no-store").type("text/plain").send(`${TOKEN_REFUSAL}\n`);
        return;
      }
      res.set(PAGE_HEADERS).type(type).sendFile(file);
    };
    app.get(DASHBOARD_PATH, page(WebAssets.dashboardPage, "html", true));
    app.get(DASHBOARD_SCRIPT_PATH, page(WebAssets.dashboardScript, "text/javascript", false));
    app.post(DASHBOARD_CLEAR_ERRORS_PATH, (req, res) => void this.clearErrors(req, res));
    app.post(DASHBOARD_CLOSE_SESSION_PATH, (req, res) => void this.closeSession(req, res));
  }

  /** POST {token}: empties the error list, for every open page. */
  private async clearErrors(req: IncomingMessage, res: Response): Promise<void> {
    const check = await checkAction(req, this.access, this.token, false);
    if (!check.ok) return this.refuseAction(req, res, check, "clear the error list");
    const cleared = this.errors.clear();
    this.log.info({ cleared, remote: req.socket.remoteAddress }, `dashboard: cleared ${cleared} errors from the list`);
    res.status(200).json({ cleared });
    this.push([...this.viewers.keys()]);
  }

  /** POST {token, session}: closes a session with OPERATOR_CLOSE; from this machine only. */
  private async closeSession(req: IncomingMessage, res: Response): Promise<void> {
    const check = await checkAction(req, this.access, this.token, true);
    if (!check.ok) return this.refuseAction(req, res, check, "close a session");
    const id = check.body.session;
    if (typeof id !== "string" || id === "" || id.length > NAME_KEPT) {
      res.status(400).type("text/plain").send('Say which session: {"token": "…", "session": "s12"}.\n');
      return;
    }
    const closed = this.source.closeSession(id, OPERATOR_CLOSE.code, OPERATOR_CLOSE.reason);
    if (!closed) {
      res.status(404).type("text/plain").send(`No open session ${id}: it may have closed already.\n`);
      return;
    }
    this.log.info(
      { session: id, endpoint: closed.endpoint, code: OPERATOR_CLOSE.code, remote: req.socket.remoteAddress },
      `dashboard: closed session ${id} on ${closed.endpoint}`,
    );
    res.status(200).json({ closed: id, endpoint: closed.endpoint });
  }

  private refuseAction(req: IncomingMessage, res: Response, check: { status: number; reason: string }, what: string): void {
    this.refusals.warn("action", { remote: req.socket.remoteAddress, status: check.status }, `refused a dashboard request to ${what}: ${check.reason}`);
    res.status(check.status).set("Cache-Control", "no-store").type("text/plain").send(`${check.reason}\n`);
  }

  /** Handles the dashboard's own handshakes; returns false for any other path. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    if (pathname !== DASHBOARD_SOCKET_PATH) return false;
    socket.on("error", () => socket.destroy());
    const decision = dashboardAccess(req, this.access);
    if (!decision.ok) {
      rejectHandshake(socket, decision.status, decision.reason);
    } else if (!tokenMatches(req, this.token)) {
      this.refusals.warn("token", { remote: req.socket.remoteAddress }, "refused a dashboard socket: no or wrong token");
      rejectHandshake(socket, 403, TOKEN_REFUSAL);
    } else if (!originAllowed(req, [])) {
      rejectHandshake(socket, 403, `Origin ${req.headers.origin} may not watch the dashboard; open it from this server.`);
    } else {
      const canClose = isLoopbackRequest(req);
      this.wss.handleUpgrade(req, socket, head, (ws) => this.watch(ws, canClose));
    }
    return true;
  }

  /** A handler threw. */
  recordFault(fault: HandlerFault): void {
    this.record({
      at: fault.at,
      message: `${fault.method} threw ${fault.error}`,
      ...(fault.endpoint ? { endpoint: fault.endpoint } : {}),
      ...(fault.peerId ? { session: fault.peerId } : {}),
    });
  }

  /** Any other handler error (a CPU-limit stop, say). */
  record(error: Omit<RecentError, "time">): void {
    this.errors.add({ time: Date.now(), ...error });
  }

  /** A file problem: bad descriptor, handler that does not load, conflict. */
  recordProblem(error: AerostatError): void {
    this.record({ at: error.where() || "(project)", message: error.message, code: error.code });
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }

  private watch(ws: WebSocket, canClose: boolean): void {
    this.viewers.set(ws, { show: null, logSeq: 0, canClose });
    ws.on("error", () => ws.terminate());
    ws.on("message", (data, isBinary) => this.request(ws, data, isBinary));
    ws.on("close", () => {
      this.viewers.delete(ws);
      if (this.viewers.size === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    });
    this.push([ws]);
    this.timer ??= setInterval(() => this.push([...this.viewers.keys()]), PUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /** A page asked for something over its socket: which endpoint to detail. */
  private request(ws: WebSocket, data: unknown, isBinary: boolean): void {
    const viewer = this.viewers.get(ws);
    if (!viewer) return;
    try {
      viewer.show = viewerRequest(data, isBinary).show;
    } catch (error) {
      if (!(error instanceof ViewerRequestError)) throw error;
      ws.close(CloseCodes.policyViolation, error.message);
      return;
    }
    this.push([ws]);
  }

  /**
   * Sends each viewer the snapshot, plus its own part: the details of the
   * endpoint it has open and the log lines it has not had. Those are built
   * once per endpoint and per starting line, not once per viewer.
   */
  private push(viewers: WebSocket[]): void {
    if (viewers.length === 0) return;
    const text = this.serialise();
    if (text === undefined) return;
    const shared = text.slice(0, -1);
    const details = new Map<string, string>();
    const logs = new Map<number, { json: string; last: number }>();
    for (const ws of viewers) {
      const viewer = this.viewers.get(ws);
      // A viewer that cannot keep up skips snapshots rather than piling them up.
      if (!viewer || ws.readyState !== ws.OPEN || ws.bufferedAmount >= 1 << 20) continue;
      const show = viewer.show;
      let detail = "null";
      if (show !== null) {
        detail = details.get(show) ?? JSON.stringify(this.source.sessionDetails(show));
        details.set(show, detail);
      }
      let log = logs.get(viewer.logSeq);
      if (!log) {
        const lines = this.source.logSince(viewer.logSeq);
        log = { json: JSON.stringify(lines), last: lines.at(-1)?.seq ?? viewer.logSeq };
        logs.set(viewer.logSeq, log);
      }
      viewer.logSeq = log.last;
      ws.send(`${shared},"canClose":${viewer.canClose},"details":${detail},"log":${log.json}}`);
    }
  }

  /** The snapshot as JSON, or undefined (logged) when it cannot be made or is too long: viewers then skip a push. */
  private serialise(): string | undefined {
    try {
      const text = JSON.stringify(buildSnapshot(this.source, this.errors.list(), this.rates));
      if (text.length <= MAX_SNAPSHOT_CHARS) return text;
      this.log.error({ chars: text.length }, `dashboard snapshot of ${text.length} characters not sent (limit ${MAX_SNAPSHOT_CHARS})`);
    } catch (error) {
      this.log.error({ err: error }, `dashboard snapshot not sent: ${String(error)}`);
    }
    return undefined;
  }
}
