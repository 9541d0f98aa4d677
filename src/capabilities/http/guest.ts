/**
 * sdk/http inside the sandbox: Dirigible's `http/v4/request` and
 * `http/v4/response` (types and docs: http.d.ts beside this file) for script
 * services, and the runner of the `service` event. A script service's top
 * level runs once per request; what it prints is buffered and sent, with its
 * status and headers, when the top level returns.
 */
import type { GuestEvent, Kernel } from "../../guest/kernel.js";
import { HTTP_HEADER_NAME, MAX_RESPONSE_HEADERS } from "../../protocol/http.js";
import { HttpOps } from "./ops-names.js";

/** The request as the host sends it (see src/wiring/script-services.ts). */
interface IncomingRequest {
  method: string;
  path: string;
  query: string;
  /** Query (and form) parameters: name → values. */
  params: Record<string, string[]>;
  /** Lower-case name → value (repeated headers joined with ", "). */
  headers: Record<string, string>;
  body: string;
  remote: string;
}

interface Exchange {
  readonly id: string;
  readonly request: IncomingRequest;
  status: number;
  contentType: string;
  headers: [string, string][];
  body: string;
  answered: boolean;
}

const BAD_HEADER_VALUE = /[\r\n\0]/;

export default function http(exports: Record<string, unknown>, kernel: Kernel): void {
  const { freeze, StringCtor, TypeErrorCtor, RangeErrorCtor, ErrorCtor, parse, stringify, hasOwn, keys, push, apply, isObjectLike } = kernel.builtins;
  const toLowerCase = "".toLowerCase;
  const test = RegExp.prototype.test;
  const lower = (text: string) => apply(toLowerCase, text, []) as string;
  const matches = (re: RegExp, text: string) => apply(test, re, [text]) as boolean;
  const maxBody = MAX_BODY_CHARS;

  let exchange: Exchange | null = null;
  /** Whether this module has served a request (it is a script service). */
  let served = false;

  function active(what: string): Exchange {
    if (exchange === null) {
      throw new ErrorCtor(
        served
          ? what + ": the response was sent when the script's top level returned; code that runs later (after an await, in a timer) cannot use the request or the response"
          : what + ": no HTTP request is being served (script services only; see README, Script services)",
      );
    }
    return exchange;
  }

  function writable(what: string): Exchange {
    const ex = active(what);
    if (ex.answered) throw new ErrorCtor(what + ": the response was already sent");
    return ex;
  }

  // ---- http/v4/request ---------------------------------------------------------
  const request = freeze({
    isValid: () => exchange !== null,
    getMethod: () => active("request.getMethod()").request.method,
    getPath: () => active("request.getPath()").request.path,
    getResourcePath: () => active("request.getResourcePath()").request.path,
    getQueryString: () => active("request.getQueryString()").request.query,
    getRemoteAddress: () => active("request.getRemoteAddress()").request.remote,
    getParameter(name: unknown) {
      const params = active("request.getParameter()").request.params;
      const key = StringCtor(name);
      return hasOwn(params, key) && params[key]!.length > 0 ? params[key]![0]! : null;
    },
    getParameterValues(name: unknown) {
      const params = active("request.getParameterValues()").request.params;
      const key = StringCtor(name);
      const out: string[] = [];
      if (hasOwn(params, key)) for (let i = 0; i < params[key]!.length; i++) push(out, params[key]![i]!);
      return out;
    },
    getParameterNames: () => keys(active("request.getParameterNames()").request.params),
    getParameters() {
      const params = active("request.getParameters()").request.params;
      const out: Record<string, string> = {};
      const names = keys(params);
      for (let i = 0; i < names.length; i++) out[names[i]!] = params[names[i]!]![0] ?? "";
      return out;
    },
    getHeader(name: unknown) {
      const headers = active("request.getHeader()").request.headers;
      const key = lower(StringCtor(name));
      return hasOwn(headers, key) ? headers[key]! : null;
    },
    getHeaderNames: () => keys(active("request.getHeaderNames()").request.headers),
    getContentType() {
      const headers = active("request.getContentType()").request.headers;
      return hasOwn(headers, "content-type") ? headers["content-type"]! : null;
    },
    getText: () => active("request.getText()").request.body,
    getJSON() {
      const body = active("request.getJSON()").request.body;
      return body === "" ? null : parse(body);
    },
  });

  // ---- http/v4/response --------------------------------------------------------
  function append(what: string, text: string): void {
    const ex = writable(what);
    if (ex.body.length + text.length > maxBody) {
      throw new RangeErrorCtor(what + ": the response is over " + maxBody + " characters; send less");
    }
    ex.body += text;
  }

  function setHeader(what: string, name: unknown, value: unknown, replace: boolean): void {
    const ex = writable(what);
    const n = StringCtor(name);
    const v = StringCtor(value);
    if (!matches(HTTP_HEADER_NAME, n)) throw new TypeErrorCtor(what + ': "' + n + '" is not a valid header name');
    if (matches(BAD_HEADER_VALUE, v)) throw new TypeErrorCtor(what + ": a header value may not contain line breaks");
    if (ex.headers.length >= MAX_RESPONSE_HEADERS) throw new RangeErrorCtor(what + ": at most " + MAX_RESPONSE_HEADERS + " headers");
    const key = lower(n);
    if (key === "content-type") {
      ex.contentType = v;
      return;
    }
    if (replace) {
      const kept: [string, string][] = [];
      for (let i = 0; i < ex.headers.length; i++) if (lower(ex.headers[i]![0]) !== key) push(kept, ex.headers[i]!);
      ex.headers = kept;
    }
    push(ex.headers, [n, v]);
  }

  const response = freeze({
    isValid: () => exchange !== null && !exchange.answered,
    setStatus(status: unknown) {
      const ex = writable("response.setStatus()");
      if (typeof status !== "number" || status !== (status | 0) || status < 200 || status > 599) {
        throw new TypeErrorCtor("response.setStatus(status): status must be a whole number from 200 to 599, got " + StringCtor(status));
      }
      ex.status = status;
    },
    getStatus: () => active("response.getStatus()").status,
    setContentType(type: unknown) {
      setHeader("response.setContentType()", "Content-Type", type, true);
    },
    setHeader(name: unknown, value: unknown) {
      setHeader("response.setHeader()", name, value, true);
    },
    addHeader(name: unknown, value: unknown) {
      setHeader("response.addHeader()", name, value, false);
    },
    print(text: unknown) {
      append("response.print()", StringCtor(text));
    },
    println(text?: unknown) {
      append("response.println()", (text === undefined ? "" : StringCtor(text)) + "\n");
    },
    write(text: unknown) {
      append("response.write()", StringCtor(text));
    },
    json(value: unknown) {
      const ex = writable("response.json()");
      if (ex.contentType === "") ex.contentType = "application/json";
      append("response.json()", StringCtor(stringify(value === undefined ? null : value)));
    },
    // The body is sent whole when the script returns: flushing has nothing to do.
    flush() {
      writable("response.flush()");
    },
    // Sends the response now; later writes throw.
    close() {
      finish(writable("response.close()"));
    },
    sendError(status: unknown, message?: unknown) {
      const ex = writable("response.sendError()");
      response.setStatus(status);
      ex.body = message === undefined ? "" : StringCtor(message);
      finish(ex);
    },
  });

  exports["request"] = request;
  exports["response"] = response;

  function finish(ex: Exchange): void {
    if (ex.answered) return;
    ex.answered = true;
    const headers = ex.headers;
    if (ex.contentType !== "") push(headers, ["Content-Type", ex.contentType]);
    kernel.post(HttpOps.respond, [ex.id, ex.status, headers, ex.body]);
  }

  // ---- the event ---------------------------------------------------------------
  const spec = kernel.capability.events["service"]!;

  function readRequest(payload: unknown): IncomingRequest | null {
    try {
      const r = parse(StringCtor(payload)) as IncomingRequest;
      return isObjectLike(r) && isObjectLike(r.params) && isObjectLike(r.headers) ? r : null;
    } catch (_) {
      return null;
    }
  }

  kernel.onEvent("service", (ev: GuestEvent) => {
    const incoming = readRequest(ev.payload);
    if (!incoming) return;
    const ex: Exchange = { id: ev.peerId, request: incoming, status: 200, contentType: "", headers: [], body: "", answered: false };
    exchange = ex;
    served = true;
    try {
      // Dirigible's websockets.getMethod() says null in a service: no WebSocket event is running.
      kernel.runHook(spec.hook, null, [request, response], ev, undefined);
    } finally {
      exchange = null;
    }
    finish(ex);
  });

  // A throw in the script: the host answers 500 with the error (the fault report carries where).
  kernel.onFault = (_hook, ev, _peer, errorText) => {
    if (!exchange || exchange.id !== ev.peerId || exchange.answered) return;
    exchange.answered = true;
    kernel.post(HttpOps.respond, [ev.peerId, 500, [["Content-Type", "text/plain; charset=utf-8"]], errorText + "\n"]);
  };
}

/** Characters of one response body at most. */
const MAX_BODY_CHARS = 4 * 1024 * 1024;
