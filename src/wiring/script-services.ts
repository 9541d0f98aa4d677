import { lstat, realpath } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import path from "node:path";
import type { Request, Response } from "express";
import type { ScriptServiceAccess } from "../config/options.js";
import type { Logger } from "../log/logger.js";
import { RateLimitedLog } from "../log/rate-limited.js";
import { truncateText } from "../log/truncate.js";
import type { HttpExchanges } from "../peers/exchanges.js";
import { projectOf } from "../project/handler-path.js";
import type { MountTable } from "../project/mounts.js";
import { PeerKind } from "../protocol/events.js";
import { HANDLER_EXTENSIONS } from "../protocol/handler-files.js";
import type { HandlerRegistry, ResolvedHandler } from "../sandbox/handler-registry.js";
import { isLoopbackRequest } from "../server/loopback.js";
import { originFacts, originFactsAllowed } from "../server/origin.js";
import { stripHandlerExtension } from "../protocol/handler-files.js";
import { urlSegments } from "../server/url-segments.js";

/** Bytes of a request body a script service gets at most. */
const MAX_BODY_BYTES = 1024 * 1024;
/** How long a request waits for its script, at least (the CPU limit counts twice when longer). */
const MIN_WAIT_MS = 30_000;
/** Headers a forwarding proxy adds. */
const PROXY_HEADERS = ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip", "via"];

export interface ScriptServiceDeps {
  readonly root: string;
  /** The folder served as static files: its scripts are for browsers, never run here. */
  readonly staticDir: string | undefined;
  readonly access: ScriptServiceAccess;
  readonly cpuLimitMs: number;
  readonly registry: HandlerRegistry;
  readonly mounts: MountTable;
  /** The `handler` field of every descriptor loaded, mounted or not. */
  descriptorHandlers(): readonly string[];
  accepting(): boolean;
  readonly exchanges: HttpExchanges;
  readonly log: Logger;
}

type Found = { ok: true; script: ResolvedHandler; pathInfo: string } | { ok: false; status: number; text: string };

/**
 * Script services, as Dirigible runs them: a request to
 * `/services/js/<folder>/<file>.js[/<more>]` (or `/services/v4/js/...`) runs
 * that file's top level in its project's sandbox, with the request and
 * response of `sdk/http`. Files that serve WebSockets (named by a descriptor
 * or by createWebsocket) and files in the static folder are never run; only
 * this machine may call them unless the operator allows more.
 */
export class ScriptServices {
  /** Refusals are logged at most 5 a second per status: a stranger knocking in a loop cannot flood the log. */
  private readonly refusals: RateLimitedLog;

  constructor(private readonly deps: ScriptServiceDeps) {
    this.refusals = new RateLimitedLog(deps.log, "refused script service requests");
  }

  /** Handles a request whose path starts with `prefix`. */
  async handle(prefix: string, req: Request, res: Response): Promise<void> {
    const refuse = (status: number, text: string) => {
      this.refusals.warn(String(status), { path: truncateText(req.path, 200), status }, `script service request refused: ${text}`);
      res.status(status).type("text/plain").set("X-Content-Type-Options", "nosniff").send(`${text}\n`);
    };
    if (!this.deps.accepting()) return refuse(503, "The server is shutting down.");
    const denied = this.denied(req);
    if (denied) return refuse(denied.status, denied.text);
    const found = await this.find(req.path.slice(prefix.length - 1));
    if (!found.ok) return refuse(found.status, found.text);
    const { script, pathInfo } = found;
    const waiting = this.deps.registry.get(script.key);
    if (waiting?.busy) return refuse(503, `${script.key} has too many requests and events waiting; try again later.`);
    const body = await readBody(req);
    if (body === undefined) return refuse(413, `The request body is over ${MAX_BODY_BYTES} bytes; script services take at most that.`);
    const module = this.deps.registry.ensure(script, "service");
    if (module.role !== "service") return refuse(403, handlerRefusal(script.key));
    const load = await this.deps.registry.loaded(script.key);
    if (!module.ready) {
      const error = module.lastError ?? (load && !load.ok ? load.error : undefined);
      return refuse(500, error ? `${script.key} cannot run: ${error.toString()}` : `${script.key} has not loaded; try again`);
    }
    if (module.isDisabled) return refuse(503, `${script.key} is disabled: ${module.lastError?.message ?? "its sandbox keeps crashing"}`);
    if (module.busy) return refuse(503, `${script.key} has too many requests and events waiting; try again later.`);
    const id = this.deps.exchanges.open(script.project, script.key, res, Math.max(MIN_WAIT_MS, this.deps.cpuLimitMs * 2));
    const payload = JSON.stringify(requestInfo(req, pathInfo, body));
    module.enqueue("service", PeerKind.http, id, req.path, payload, 0);
  }

  private denied(req: IncomingMessage): { status: number; text: string } | undefined {
    const { access } = this.deps;
    if (access === "off") return { status: 404, text: "Script services are turned off (--script-services off)." };
    const anywhere = "Start the server with --script-services anywhere to run them for other machines.";
    if (access === "loopback" && !isLoopbackRequest(req)) {
      return {
        status: 403,
        text: `Script services only run for this machine (open them as http://127.0.0.1:<port>/services/js/<path>). ${anywhere}`,
      };
    }
    if (access === "loopback" && PROXY_HEADERS.some((h) => req.headers[h] !== undefined)) {
      // A reverse proxy on this machine makes every client look local.
      return { status: 403, text: `Script services only run for this machine, and this request came through a proxy. ${anywhere}` };
    }
    // A page on another site must not make this server run scripts (cross-site request forgery).
    if (!originFactsAllowed(originFacts(req), [])) {
      return { status: 403, text: "Script services do not run for pages of other sites; call them from a page this server serves, or without a browser." };
    }
    return undefined;
  }

  /** The script a URL path names: the first segment with a script's extension that is a file, and the path after it. */
  private async find(urlPath: string): Promise<Found> {
    const segments = urlSegments(urlPath);
    const shape = "Script service URLs name a .js, .mjs or .ts file below the project folder: /services/js/<folder>/<file>.js";
    if (!segments) return { ok: false, status: 400, text: `The path may not hold "..", dotfiles, backslashes or NUL. ${shape}` };
    const realRoot = await realpath(this.deps.root);
    for (let i = 0; i < segments.length; i++) {
      if (!HANDLER_EXTENSIONS.some((e) => segments[i]!.endsWith(e))) continue;
      const file = path.join(this.deps.root, ...segments.slice(0, i + 1));
      const isFile = await lstat(file).then((s) => s.isFile() || s.isSymbolicLink(), () => false);
      if (!isFile) continue;
      const real = await realpath(file).catch(() => "");
      if (!real.startsWith(realRoot + path.sep)) return { ok: false, status: 403, text: `${segments.join("/")} leads outside the project folder.` };
      // A link inside the project runs the file it leads to, under that file's name.
      const key = path.relative(realRoot, real).split(path.sep).join("/");
      if (await this.inStaticDir(real)) {
        return { ok: false, status: 403, text: `${key} is in the static folder: files there are sent to browsers, never run as script services.` };
      }
      if (this.isHandler(key)) return { ok: false, status: 403, text: handlerRefusal(key) };
      return { ok: true, script: { key, file: real, project: projectOf(key) }, pathInfo: segments.slice(i + 1).join("/") };
    }
    return { ok: false, status: 404, text: `No script service at ${truncateText(segments.join("/"), 200)}. ${shape}` };
  }

  private async inStaticDir(real: string): Promise<boolean> {
    if (this.deps.staticDir === undefined) return false;
    const dir = await realpath(this.deps.staticDir).catch(() => path.resolve(this.deps.staticDir!));
    return real.startsWith(dir + path.sep);
  }

  /** Named by a descriptor (mounted or not), or loaded as a handler (by createWebsocket). */
  private isHandler(key: string): boolean {
    if (this.deps.mounts.list().some((m) => m.module?.key === key)) return true;
    const bare = stripHandlerExtension(key);
    const named = (handler: string) => stripHandlerExtension(handler.replace(/^\/(?!\/)/, "")) === bare;
    if (this.deps.descriptorHandlers().some(named)) return true;
    return this.deps.registry.get(key)?.role === "handler";
  }
}

function handlerRefusal(key: string): string {
  return `${key} serves WebSockets (a .websocket descriptor or createWebsocket names it); script services run only files that serve no WebSocket.`;
}


/** The body as text, or undefined when it is over the limit. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > MAX_BODY_BYTES) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** What the script's `request` reads (see src/capabilities/http/guest.ts). */
function requestInfo(req: Request, pathInfo: string, body: string) {
  const url = new URL(req.originalUrl, "http://x");
  const params: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  const add = (search: URLSearchParams) => {
    for (const [name, value] of search) (params[name] ??= []).push(value);
  };
  add(url.searchParams);
  if (/^application\/x-www-form-urlencoded/i.test(req.headers["content-type"] ?? "")) add(new URLSearchParams(body));
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return {
    method: req.method,
    path: pathInfo,
    query: url.search.slice(1),
    params,
    headers,
    body,
    remote: req.socket.remoteAddress ?? "",
  };
}
