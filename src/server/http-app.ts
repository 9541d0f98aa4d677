import type { IncomingMessage, ServerResponse } from "node:http";
import express, { type Express, type Request, type Response } from "express";
import {
  CLIENT_PATH,
  EVQUEUE_CLIENT_PATH,
  EVQUEUE_MODULES_PREFIX,
  MONORAIL_CLIENT_PATH,
  SCRIPT_SERVICE_PREFIXES,
  SERVICE_PREFIX,
  SOCKETCLUSTER_CLIENT_PATH,
  VENDOR_SOCKJS_PATH,
  VENDOR_STOMP_PATH,
} from "./routes.js";
import type { RecentRefusals } from "./recent-refusals.js";
import { answerServiceGet } from "./refusal-answer.js";
import { staticFiles } from "./static-files.js";
import { WebAssets } from "./web-assets.js";

/**
 * The plain-HTTP side: the project's static files at "/", the reconnecting,
 * MonoRail and evQueue clients, the SockJS, STOMP and socketcluster browser libraries, SockJS's HTTP transports,
 * script services, and a clear answer for anyone who opens a service
 * URL without a WebSocket handshake (the reason its handshake was refused,
 * when it was).
 */
export interface HttpRoutes {
  /** Runs a script service for a request under one of SCRIPT_SERVICE_PREFIXES. */
  scriptService(prefix: string, req: Request, res: Response): Promise<void>;
  /** SockJS's HTTP side: true when it took the request. */
  sockjs(req: IncomingMessage, res: ServerResponse): boolean;
  /** Handshakes refused lately, told to a plain GET of the same URL. */
  readonly recentRefusals: RecentRefusals;
}

export function createHttpApp(staticDir: string | undefined, routes: HttpRoutes): Express {
  const app = express();
  app.disable("x-powered-by");
  app.get(CLIENT_PATH, (_req, res) => {
    // A public library: pages on other origins may import it as a module.
    res.set("Access-Control-Allow-Origin", "*").type("text/javascript").sendFile(WebAssets.client);
  });
  app.get(MONORAIL_CLIENT_PATH, (_req, res) => {
    res.set("Access-Control-Allow-Origin", "*").type("text/javascript").sendFile(WebAssets.monorailClient);
  });
  app.get(EVQUEUE_CLIENT_PATH, (_req, res) => {
    res.set("Access-Control-Allow-Origin", "*").type("text/javascript").sendFile(WebAssets.evqueueClient);
  });
  app.get(`${EVQUEUE_MODULES_PREFIX}:file`, (req, res, next) => {
    const file = WebAssets.evqueueModule(req.params.file);
    if (!file) return next();
    res.set("Access-Control-Allow-Origin", "*").type("text/javascript").sendFile(file);
  });
  app.get(`${SERVICE_PREFIX}*endpoint`, (req, res) => answerServiceGet(routes.recentRefusals, req, res));
  app.get(VENDOR_SOCKJS_PATH, (_req, res) => {
    res.set("Access-Control-Allow-Origin", "*").type("text/javascript").sendFile(WebAssets.sockjsClient);
  });
  app.get(VENDOR_STOMP_PATH, (_req, res) => {
    res.set("Access-Control-Allow-Origin", "*").type("text/javascript").send(WebAssets.stompClient());
  });
  app.get(SOCKETCLUSTER_CLIENT_PATH, (_req, res) => {
    res.set("Access-Control-Allow-Origin", "*").type("text/javascript").sendFile(WebAssets.socketclusterClient);
  });
  for (const prefix of SCRIPT_SERVICE_PREFIXES) {
    app.all(`${prefix}*path`, (req, res, next) => {
      routes.scriptService(prefix, req, res).catch(next);
    });
  }
  app.use((req, res, next) => {
    if (!routes.sockjs(req, res)) next();
  });
  if (staticDir) app.use(staticFiles(staticDir));
  // After the project's own files: a page without an icon gets this one instead of a 404 in its console.
  app.get("/favicon.ico", (_req, res) => {
    res.type("image/svg+xml").set("Cache-Control", "public, max-age=86400").send(FAVICON_SVG);
  });
  return app;
}

/** A balloon: aerostat's icon. */
const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><ellipse cx="16" cy="12" rx="10" ry="11" fill="#d9534f"/>' +
  '<path d="M11 22l3 5h4l3-5" fill="none" stroke="#555" stroke-width="1.5"/><rect x="13" y="27" width="6" height="4" rx="1" fill="#8a6d3b"/></svg>';
