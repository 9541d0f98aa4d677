import type { ServerResponse } from "node:http";
import type { Logger } from "../log/logger.js";
import { RateLimitedLog } from "../log/rate-limited.js";
import { HTTP_HEADER_NAME, MAX_RESPONSE_HEADERS } from "../protocol/http.js";
import { PeerIds } from "./peer.js";

/** What a script service answers (checked again here: it came from the sandbox). */
export interface ServiceReply {
  readonly status: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
}

interface Pending {
  readonly project: string;
  /** The script's project-relative path, for messages. */
  readonly key: string;
  readonly res: ServerResponse;
  readonly timer: NodeJS.Timeout;
}

/** Headers the host sets itself: a script's are ignored. */
const HOST_HEADERS = new Set(["content-length", "transfer-encoding", "connection", "x-content-type-options"]);

/**
 * HTTP requests to script services that wait for their script's answer, by
 * peer id (`h<n>`). Each is answered once: by the script, or by the host
 * with 500 (the script threw or was stopped), 503 (its sandbox was lost) or
 * 504 (no answer in time). A client that went away is forgotten.
 */
export class HttpExchanges {
  private readonly pending = new Map<string, Pending>();
  private readonly ids: PeerIds;
  /** Failures and left-out headers, at most 5 lines a second per kind. */
  private readonly warnings: RateLimitedLog;

  constructor(log: Logger, nodeName = "") {
    this.ids = new PeerIds("h", nodeName);
    this.warnings = new RateLimitedLog(log, "script service warnings");
  }

  /** Registers a request of `project`'s script `key`; returns its peer id. */
  open(project: string, key: string, res: ServerResponse, timeoutMs: number): string {
    const id = this.ids.next();
    const timer = setTimeout(() => this.fail(id, 504, `${key} did not answer within ${timeoutMs} ms`), timeoutMs);
    this.pending.set(id, { project, key, res, timer });
    res.once("close", () => this.forget(id));
    return id;
  }

  get size(): number {
    return this.pending.size;
  }

  /** The answer of script `key` of `project`; ignored for another script's request or one already answered. */
  answer(project: string, key: string, id: string, reply: ServiceReply): void {
    const p = this.pending.get(id);
    if (!p || p.project !== project || p.key !== key) return;
    this.forget(id);
    if (!Number.isInteger(reply.status) || reply.status < 200 || reply.status > 599) {
      this.write(p, 500, [], `${p.key} answered with status ${reply.status}; use 200 to 599\n`);
      return;
    }
    this.write(p, reply.status, reply.headers, reply.body);
  }

  /** Answers `id` with an error from the host; logged. */
  fail(id: string, status: number, text: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.forget(id);
    this.warnings.warn(String(status), { handler: p.key, request: id, status }, `script service ${p.key} answered ${status}: ${text}`);
    this.write(p, status, [], `${text}\n`);
  }

  /** Every waiting request gets 503 (the server is closing). */
  closeAll(): void {
    for (const id of [...this.pending.keys()]) this.fail(id, 503, "the server is shutting down");
  }

  private forget(id: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(id);
  }

  private write(p: Pending, status: number, headers: ServiceReply["headers"], body: string): void {
    const { res } = p;
    if (res.headersSent || res.destroyed) return;
    res.statusCode = status;
    let typed = false;
    let skipped = 0;
    for (const [name, value] of headers.slice(0, MAX_RESPONSE_HEADERS)) {
      const lower = name.toLowerCase();
      if (!HTTP_HEADER_NAME.test(name) || HOST_HEADERS.has(lower)) {
        skipped++;
        continue;
      }
      try {
        // The script decided which repeat; each header it kept is sent.
        if (lower === "content-type") res.setHeader(name, value);
        else res.appendHeader(name, value);
        if (lower === "content-type") typed = true;
      } catch {
        skipped++;
      }
    }
    if (skipped > 0) {
      this.warnings.warn("headers", { handler: p.key, skipped }, `script service ${p.key}: ${skipped} invalid or reserved response headers were left out`);
    }
    if (!typed) res.setHeader("Content-Type", "text/plain; charset=utf-8");
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.end(body);
  }
}
