import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import type { DeferredOp, OpContext } from "../../ops/capability.js";
import { WebLimits, WebOps, type FetchAnswer, type FetchRequest } from "./ops-names.js";

/** fetches in flight per handler module (by its key, across reloads: a reload does not cancel them). */
const inFlight = new Map<string, number>();

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers a script may not set, as in browsers (the host sets them). */
const FORBIDDEN_HEADERS = new Set(["host", "content-length", "connection", "keep-alive", "transfer-encoding", "upgrade", "te", "trailer", "expect"]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_VALUE = /[\r\n\0]/;

/** A fetch failure the script sees as a TypeError (network errors, refusals) or a RangeError (limits). */
function failure(name: "TypeError" | "RangeError" | "TimeoutError", message: string): Error {
  return Object.assign(new Error(message), { name });
}

/** Checks the guest's request; a TypeError names what is wrong. */
function readRequest(args: unknown): FetchRequest {
  const r = (Array.isArray(args) ? args[0] : undefined) as Partial<FetchRequest> | undefined;
  if (!r || typeof r.url !== "string" || typeof r.method !== "string" || !Array.isArray(r.headers)) throw failure("TypeError", "fetch: the request could not be read");
  if (!TOKEN.test(r.method)) throw failure("TypeError", `fetch: "${r.method}" is not a valid method`);
  if (r.headers.length > WebLimits.maxFetchHeaders) throw failure("RangeError", `fetch: at most ${WebLimits.maxFetchHeaders} request headers`);
  for (const h of r.headers) {
    if (!Array.isArray(h) || typeof h[0] !== "string" || typeof h[1] !== "string" || !TOKEN.test(h[0]) || BAD_VALUE.test(h[1])) {
      throw failure("TypeError", `fetch: a request header is not a valid name and value`);
    }
  }
  const body = typeof r.body === "string" ? r.body : null;
  if (body !== null && body.length > Math.ceil(WebLimits.maxFetchRequestBytes / 3) * 4) {
    throw failure("RangeError", `fetch: the request body is over ${WebLimits.maxFetchRequestBytes} bytes`);
  }
  const timeoutMs = typeof r.timeoutMs === "number" && r.timeoutMs > 0 ? Math.min(r.timeoutMs, WebLimits.maxFetchTimeoutMs) : WebLimits.fetchTimeoutMs;
  const redirect = r.redirect === "manual" || r.redirect === "error" ? r.redirect : "follow";
  return { url: r.url, method: r.method.toUpperCase(), headers: r.headers, body, timeoutMs, redirect };
}

interface Hop {
  readonly url: URL;
  readonly method: string;
  readonly headers: [string, string][];
  readonly body: Buffer | null;
}

/** One request/response; the body is read up to the size limit. */
function exchange(hop: Hop, lookup: LookupFunction, signal: AbortSignal): Promise<{ res: IncomingMessage; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const lib = hop.url.protocol === "https:" ? https : http;
    const headers: Record<string, string[]> = {};
    for (const [name, value] of hop.headers) {
      if (FORBIDDEN_HEADERS.has(name.toLowerCase())) continue;
      (headers[name.toLowerCase()] ??= []).push(value);
    }
    if (hop.body) headers["content-length"] = [String(hop.body.length)];
    const req = lib.request(hop.url, { method: hop.method, headers, lookup, signal, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > WebLimits.maxFetchResponseBytes) {
          res.destroy();
          reject(failure("RangeError", `fetch: the response from ${hop.url.href} is over ${WebLimits.maxFetchResponseBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on("end", () => resolve({ res, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(hop.body ?? undefined);
  });
}

function answerOf(res: IncomingMessage, body: Buffer, url: URL, redirected: boolean): FetchAnswer {
  const headers: [string, string][] = [];
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
  let text: string | null = null;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    text = null;
  }
  return {
    status: res.statusCode ?? 0,
    statusText: res.statusMessage ?? "",
    url: url.href,
    redirected,
    headers,
    text,
    base64: text === null ? body.toString("base64") : null,
  };
}

async function run({ module, services }: OpContext, args: unknown): Promise<FetchAnswer> {
  const request = readRequest(args);
  const signal = AbortSignal.timeout(request.timeoutMs);
  let hop: Hop = {
    url: new URL("about:blank"),
    method: request.method,
    headers: request.headers,
    body: request.body === null ? null : Buffer.from(request.body, "base64"),
  };
  let next = request.url;
  for (let redirects = 0; ; redirects++) {
    const url = URL.parse(next);
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) throw failure("TypeError", `fetch: only http:// and https:// URLs can be fetched, got "${next.slice(0, 200)}"`);
    const gate = services.checkOutbound(module, url.href, "fetch");
    if (!gate.ok) throw failure("TypeError", gate.error);
    hop = { ...hop, url };
    let res: IncomingMessage;
    let body: Buffer;
    try {
      ({ res, body } = await exchange(hop, gate.lookup, signal));
    } catch (error) {
      if (signal.aborted) throw failure("TimeoutError", `fetch: ${request.url.slice(0, 200)} took over ${request.timeoutMs} ms`);
      if (error instanceof Error && error.name === "RangeError") throw error;
      throw failure("TypeError", `fetch: ${url.href.slice(0, 200)} failed: ${(error as Error).message}`);
    }
    const location = res.headers.location;
    if (!REDIRECTS.has(res.statusCode ?? 0) || location === undefined || request.redirect === "manual") return answerOf(res, body, url, redirects > 0);
    if (request.redirect === "error") throw failure("TypeError", `fetch: ${url.href.slice(0, 200)} redirected, and redirect is "error"`);
    if (redirects >= WebLimits.maxRedirects) throw failure("TypeError", `fetch: more than ${WebLimits.maxRedirects} redirects from ${request.url.slice(0, 200)}`);
    next = URL.parse(location, url.href)?.href ?? location;
    // 303, and 301/302 after a POST, go on as a GET without the body, as browsers do.
    if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && hop.method === "POST")) {
      hop = { ...hop, method: hop.method === "HEAD" ? "HEAD" : "GET", body: null, headers: hop.headers.filter(([n]) => !/^content-/i.test(n)) };
    }
    // Credentials are not carried to another origin.
    const nextUrl = URL.parse(next);
    if (nextUrl && nextUrl.origin !== url.origin) hop = { ...hop, headers: hop.headers.filter(([n]) => !/^(authorization|cookie)$/i.test(n)) };
  }
}

/** fetch(): http(s) to hosts on the outbound allowlist, each redirect checked again, bounded in time, size and number in flight. */
export const fetchOp: DeferredOp = {
  mode: "deferred",
  name: WebOps.fetch,
  async run(ctx, args) {
    const key = ctx.module.key;
    const running = inFlight.get(key) ?? 0;
    if (running >= WebLimits.maxFetchesInFlight) {
      throw failure("RangeError", `fetch: ${running} requests of ${key} are in flight (limit ${WebLimits.maxFetchesInFlight}); await some first`);
    }
    inFlight.set(key, running + 1);
    try {
      return await run(ctx, args);
    } finally {
      const left = (inFlight.get(key) ?? 1) - 1;
      if (left === 0) inFlight.delete(key);
      else inFlight.set(key, left);
    }
  },
};
