import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Express } from "express";
import { WebSocketServer, type WebSocket } from "ws";
import type { HandlerFault } from "../ops/services.js";
import type { AerostatError } from "../errors/codes.js";
import type { Logger } from "../log/logger.js";
import { RateLimitedLog } from "../log/rate-limited.js";
import { rejectHandshake } from "../server/reject-handshake.js";
import { DASHBOARD_PATH, DASHBOARD_SCRIPT_PATH, DASHBOARD_SOCKET_PATH } from "../server/routes.js";
import { WebAssets } from "../server/web-assets.js";
import { originAllowed } from "../server/origin.js";
import { dashboardAccess, type DashboardAccess } from "./access.js";
import { RecentErrors, type RecentError } from "./recent-errors.js";
import { buildSnapshot, type DashboardSource } from "./snapshot.js";
import { TOKEN_REFUSAL, tokenMatches } from "./token.js";

/** How often viewers get a fresh snapshot. */
const PUSH_INTERVAL_MS = 1000;
/** A snapshot longer than this is not sent (it is bounded by construction; this is the backstop). */
const MAX_SNAPSHOT_CHARS = 8 * 1024 * 1024;

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
    const page = (file: string, type: string, needsToken: boolean) => (req: IncomingMessage, res: import("express").Response) => {
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
      this.wss.handleUpgrade(req, socket, head, (ws) => this.watch(ws));
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

  private watch(ws: WebSocket): void {
    ws.on("error", () => ws.terminate());
    ws.on("close", () => {
      if (this.wss.clients.size === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    });
    this.push([ws]);
    this.timer ??= setInterval(() => this.push([...this.wss.clients]), PUSH_INTERVAL_MS);
    this.timer.unref();
  }

  private push(viewers: WebSocket[]): void {
    if (viewers.length === 0) return;
    const text = this.serialise();
    if (text === undefined) return;
    for (const ws of viewers) {
      // A viewer that cannot keep up skips snapshots rather than piling them up.
      if (ws.readyState === ws.OPEN && ws.bufferedAmount < 1 << 20) ws.send(text);
    }
  }

  /** The snapshot as JSON, or undefined (logged) when it cannot be made or is too long: viewers then skip a push. */
  private serialise(): string | undefined {
    try {
      const text = JSON.stringify(buildSnapshot(this.source, this.errors.list()));
      if (text.length <= MAX_SNAPSHOT_CHARS) return text;
      this.log.error({ chars: text.length }, `dashboard snapshot of ${text.length} characters not sent (limit ${MAX_SNAPSHOT_CHARS})`);
    } catch (error) {
      this.log.error({ err: error }, `dashboard snapshot not sent: ${String(error)}`);
    }
    return undefined;
  }
}
