/**
 * net/v4/websockets inside the sandbox: the script API (types and docs:
 * websockets.d.ts beside this file) and the runners of the connection events
 * open, message, error and close. Built-ins come from the kernel, captured
 * before user code ran.
 */
import type { GuestEvent, Kernel } from "../../guest/kernel.js";
import { encodeBase64 } from "../../protocol/base64.js";
import { CloseCodes, scriptCloseCode } from "../../protocol/close-codes.js";
import { WebsocketsOps } from "./ops-names.js";

export default function websockets(exports: Record<string, unknown>, kernel: Kernel): void {
  const { freeze, StringCtor, TypeErrorCtor, RangeErrorCtor, isArray, isArrayBuffer, isView, isObjectLike, safeMap, apply } = kernel.builtins;
  const OUT = kernel.outbox;
  const events = kernel.capability.events;
  const current = kernel.current;

  function checkCode(code: unknown): number {
    if (code === undefined) return CloseCodes.normal;
    if (!scriptCloseCode(code)) {
      throw new TypeErrorCtor("close(code): code must be 1000 or a number from 3000 to 4999, got " + StringCtor(code));
    }
    return code;
  }

  function checkReason(reason: unknown): string {
    if (reason === undefined) return "";
    if (typeof reason !== "string") throw new TypeErrorCtor("close(code, reason): reason must be a string");
    return reason;
  }

  function sendTo(id: string, message: unknown): void {
    if (typeof message === "string") kernel.emit(OUT.send, id, message);
    else kernel.emitBinary(id, message);
  }

  // ---- data kept on the host per connection (connection.data) ----------------
  /**
   * Per peer id: its data as this context knows it, the JSON text the host
   * last got, and the dispatch it was read in. An entry from an earlier
   * dispatch is read again: another module may have changed the value since
   * (a client's handler and the module that opened it share the client's data).
   */
  const dataOf = safeMap<string, { value: unknown; saved: string; at: number }>();
  function heldData(id: string) {
    const entry = dataOf.get(id);
    return entry && (entry.at === kernel.dispatch() || isTouched.has(id)) ? entry : undefined;
  }
  /** Peers whose data was read or set since the last hook ended: it may have been changed in place. */
  let touched: string[] = [];
  let isTouched = safeMap<string, true>();
  function touch(id: string): void {
    if (isTouched.has(id)) return;
    isTouched.set(id, true);
    kernel.builtins.push(touched, id);
  }
  const charCodeAt = "".charCodeAt;
  const DATA_LIMIT = 64 * 1024;

  /** UTF-8 bytes of a string. */
  function utf8Bytes(text: string): number {
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      const c = apply(charCodeAt, text, [i]) as number;
      n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c < 0xdc00 ? 4 + (i++, 0) : 3;
    }
    return n;
  }

  /** JSON text of a data value, checked: a TypeError when it is not JSON, a RangeError past 64 KiB. */
  function dataJson(value: unknown): string {
    const json = kernel.builtins.stringify(value === undefined ? null : value) as string | undefined;
    if (typeof json !== "string") throw new TypeErrorCtor("connection.data must be a JSON value (an object, array, string, number, boolean or null)");
    const bytes = utf8Bytes(json);
    if (bytes > DATA_LIMIT) {
      throw new RangeErrorCtor("connection.data may hold " + DATA_LIMIT + " bytes of JSON; this is " + bytes + ". Keep less per connection.");
    }
    return json;
  }

  function readData(id: string): unknown {
    let entry = heldData(id);
    if (!entry) {
      const text = kernel.call(WebsocketsOps.dataGet, [id]);
      const saved = typeof text === "string" ? text : "null";
      dataOf.set(id, (entry = { value: kernel.builtins.parse(saved), saved, at: kernel.dispatch() }));
    }
    touch(id);
    return entry.value;
  }

  function writeData(id: string, value: unknown): void {
    const json = dataJson(value);
    dataOf.set(id, { value, saved: json, at: kernel.dispatch() });
    kernel.post(WebsocketsOps.dataSet, [id, json]);
    touch(id);
  }

  /** After each hook: data changed in place (connection.data.room = "x") goes to the host too. */
  kernel.afterHook = () => {
    if (touched.length === 0) return;
    const ids = touched;
    touched = [];
    isTouched = safeMap<string, true>();
    for (let i = 0; i < ids.length; i++) {
      const entry = dataOf.get(ids[i]!);
      if (!entry) continue;
      let json: string;
      try {
        json = dataJson(entry.value);
      } catch (e) {
        // Too large, or no longer JSON: the host keeps the last good value, and the handler hears why.
        entry.value = kernel.builtins.parse(entry.saved);
        tryOutput(() => kernel.emit(OUT.log, "error", "connection.data of " + ids[i] + " was not kept: " + StringCtor((e as Error).message), "", "", ""));
        continue;
      }
      if (json === entry.saved) continue;
      entry.saved = json;
      tryOutput(() => kernel.post(WebsocketsOps.dataSet, [ids[i], json]));
    }
  };

  /** Output after a hook returned: a full outbox (the hook used its caps) must not throw out of the hook's finally. */
  function tryOutput(fn: () => void): void {
    try {
      fn();
    } catch (_) {
      // the caps were used up by the hook; what it changed in place is kept in this context only
    }
  }

  /** A connection object: the given fields plus send and close, addressed by id; it reads as its id in text. */
  function peer(fields: Record<string, unknown>): Readonly<Record<string, unknown>> {
    const id = fields["id"] as string;
    kernel.builtins.defineProperty(fields, "data", {
      get: function data() {
        return readData(id);
      },
      set: function data(value: unknown) {
        writeData(id, value);
      },
      enumerable: false,
    });
    fields["toString"] = function toString() {
      return id;
    };
    fields["send"] = function send(message: unknown) {
      sendTo(id, message);
    };
    fields["close"] = function close(code?: unknown, reason?: unknown) {
      kernel.emit(OUT.close, id, checkCode(code), checkReason(reason));
    };
    return freeze(fields);
  }

  // ---- browser sessions (incoming connections) -------------------------------
  const sessions = safeMap<string, unknown>();
  function sessionObject(id: string, endpoint: string): unknown {
    let s = sessions.get(id);
    if (!s) {
      const fields = withRequest({ id, endpoint });
      // Members other capabilities add to connections (net/v4/channels on socketcluster endpoints).
      kernel.extendPeer("session", fields, id, endpoint);
      sessions.set(id, (s = peer(fields)));
    }
    return s;
  }

  /** A session's `request` (its handshake: url, path, query, headers, remoteAddress), asked of the host once. */
  function withRequest(fields: Record<string, unknown>): Record<string, unknown> {
    const id = fields["id"] as string;
    let request: unknown;
    kernel.builtins.defineProperty(fields, "request", {
      get: function request_() {
        if (request === undefined) request = deepFreeze(kernel.builtins.parse(StringCtor(kernel.call(WebsocketsOps.sessionRequest, [id]) ?? "null")));
        return request;
      },
      enumerable: false,
    });
    return fields;
  }

  function deepFreeze(value: unknown): unknown {
    if (isObjectLike(value)) {
      const keys = kernel.builtins.keys(value);
      for (let i = 0; i < keys.length; i++) deepFreeze((value as Record<string, unknown>)[keys[i]!]);
      freeze(value);
    }
    return value;
  }

  // ---- outgoing clients -------------------------------------------------------
  const clients = safeMap<string, unknown>();
  function clientObject(meta: unknown): unknown {
    if (!isObjectLike(meta)) return null;
    const m = meta as Record<string, unknown>;
    const id = StringCtor(m["id"]);
    let c = clients.get(id);
    if (!c) {
      const engine = m["engine"] === undefined ? "javascript" : StringCtor(m["engine"]);
      clients.set(id, (c = peer(withSession({ id, uri: StringCtor(m["uri"]), handler: StringCtor(m["handler"]), engine }))));
    }
    return c;
  }

  kernel.definePeers("session", sessionObject);
  // A client seen first in its target handler: its metadata (the handler path as its creator wrote it) comes from the host.
  kernel.definePeers("client", (id, where) => clients.get(id) ?? clientObject(kernel.call(WebsocketsOps.clientGet, [id]) ?? { id, uri: where, handler: "" }));

  /**
   * Adds Dirigible's `session` (what its `getId()` gives, `getClient()` takes),
   * not enumerable, so JSON of a client or its metadata stays plain data.
   */
  function withSession<T extends Record<string, unknown>>(fields: T): T {
    const id = fields["id"] as string;
    const session = freeze({
      getId: function getId() {
        return id;
      },
    });
    kernel.builtins.defineProperty(fields, "session", { value: session, enumerable: false });
    return fields;
  }

  function metadata(meta: Record<string, unknown>) {
    return freeze(withSession({
      id: StringCtor(meta["id"]),
      uri: StringCtor(meta["uri"]),
      handler: StringCtor(meta["handler"]),
      engine: StringCtor(meta["engine"]),
      readyState: +(meta["readyState"] as number),
      data: metaData(meta),
      reconnect: meta["reconnect"] === true,
      attempt: +(meta["attempt"] as number) || 0,
    }));
  }

  function sessionMetadata(meta: Record<string, unknown>) {
    return freeze({
      id: StringCtor(meta["id"]),
      endpoint: StringCtor(meta["endpoint"]),
      readyState: +(meta["readyState"] as number),
      data: metaData(meta),
    });
  }

  /** The data in a metadata answer: what this context holds for the peer, else what the host sent. */
  function metaData(meta: Record<string, unknown>): unknown {
    const held = heldData(StringCtor(meta["id"]));
    if (held) return held.value;
    return typeof meta["data"] === "string" ? kernel.builtins.parse(meta["data"]) : null;
  }

  function list<T>(value: unknown, each: (m: Record<string, unknown>) => T): T[] {
    const out: T[] = [];
    if (!isArray(value)) return out;
    for (let i = 0; i < value.length; i++) kernel.builtins.push(out, each(value[i] as Record<string, unknown>));
    return out;
  }

  // ---- the API ----------------------------------------------------------------
  exports["createWebsocket"] = function createWebsocket(uri: unknown, handler: unknown, engine?: unknown, options?: unknown) {
    // The options may come third, in the engine's place.
    if (options === undefined && isObjectLike(engine)) {
      options = engine;
      engine = undefined;
    }
    if (options !== undefined && options !== null && !isObjectLike(options)) {
      throw new TypeErrorCtor("createWebsocket(uri, handler, engine, options): options must be an object such as { reconnect: true }");
    }
    const wanted = options ? (options as { reconnect?: unknown }).reconnect : undefined;
    if (wanted !== undefined && typeof wanted !== "boolean") {
      throw new TypeErrorCtor("createWebsocket(uri, handler, engine, options): options.reconnect must be true or false");
    }
    if (typeof uri !== "string") throw new TypeErrorCtor("createWebsocket(uri): uri must be a string");
    if (!/^wss?:\/\//i.test(uri)) {
      throw new TypeErrorCtor('createWebsocket(uri): uri must start with ws:// or wss://, got "' + uri + '"');
    }
    if (typeof handler !== "string" || handler === "") {
      throw new TypeErrorCtor('createWebsocket(uri, handler): handler must be a module path such as "my-project/ws-handler"');
    }
    const chosen = engine === undefined ? "javascript" : engine;
    // The host checks the name: Dirigible's JavaScript engines are all served by aerostat's one.
    if (typeof chosen !== "string") {
      throw new TypeErrorCtor('createWebsocket(uri, handler, engine): engine must be a string such as "javascript"');
    }
    const answer = kernel.call(WebsocketsOps.clientCreate, [uri, handler, chosen, wanted === true]) as Record<string, unknown> | null;
    if (answer && typeof answer["error"] === "string") {
      throw answer["kind"] === "range" ? new RangeErrorCtor(answer["error"]) : new TypeErrorCtor(answer["error"]);
    }
    return clientObject(answer);
  };

  exports["getClients"] = function getClients() {
    return list(kernel.call(WebsocketsOps.clientList, []), metadata);
  };

  exports["getClient"] = function getClient(id: unknown) {
    const meta = kernel.call(WebsocketsOps.clientGet, [StringCtor(id)]);
    return meta ? clientObject(meta) : null;
  };

  exports["getClientByHandler"] = function getClientByHandler(handler: unknown) {
    const meta = kernel.call(WebsocketsOps.clientByHandler, [StringCtor(handler)]);
    return meta ? clientObject(meta) : null;
  };

  exports["getSessions"] = function getSessions(endpoint?: unknown) {
    return list(kernel.call(WebsocketsOps.sessionList, [endpoint === undefined ? "" : StringCtor(endpoint)]), sessionMetadata);
  };

  exports["getSession"] = function getSession(id: unknown) {
    const meta = kernel.call(WebsocketsOps.sessionGet, [StringCtor(id)]) as Record<string, unknown> | null;
    return meta ? sessionObject(StringCtor(meta["id"]), StringCtor(meta["endpoint"])) : null;
  };

  exports["broadcast"] = function broadcast(message: unknown, options?: { endpoint?: unknown; except?: unknown }) {
    const bytes = typeof message === "string" ? undefined : bytesOf(message);
    if (typeof message !== "string" && bytes === undefined) {
      throw new TypeErrorCtor("broadcast(message): message must be a string, an ArrayBuffer or a typed array / DataView");
    }
    const endpoint = options && options.endpoint !== undefined ? StringCtor(options.endpoint) : "";
    const except: string[] = [];
    if (options && options.except !== undefined) {
      const raw = isArray(options.except) ? options.except : [options.except];
      for (let i = 0; i < raw.length; i++) {
        const e = raw[i];
        kernel.builtins.push(except, isObjectLike(e) ? StringCtor((e as { id?: unknown }).id) : StringCtor(e));
      }
    }
    // Bytes cross the boundary as base64 text: only strings leave the sandbox.
    kernel.post(WebsocketsOps.broadcast, bytes === undefined ? [endpoint, except, message] : [endpoint, except, encodeBase64(bytes), true]);
  };

  const awaitable = kernel.builtins.awaitable;

  exports["sendTo"] = function sendTo(sessionId: unknown, message: unknown): Promise<boolean> {
    const id = isObjectLike(sessionId) ? (sessionId as { id?: unknown }).id : sessionId;
    if (typeof id !== "string") throw new TypeErrorCtor("sendTo(sessionId, message): sessionId must be a session id (a string) or a connection");
    const bytes = typeof message === "string" ? undefined : bytesOf(message);
    if (typeof message !== "string" && bytes === undefined) {
      throw new TypeErrorCtor("sendTo(sessionId, message): message must be a string, an ArrayBuffer or a typed array / DataView");
    }
    // In order with the sends before it: the host sends a local one when it reads this call in the outbox.
    const p = awaitable(kernel.promise(WebsocketsOps.sendTo, bytes === undefined ? [id, message] : [id, encodeBase64(bytes), true]));
    return awaitable((async () => (await p) === true)()) as Promise<boolean>;
  };

  exports["countSessions"] = function countSessions(endpoint?: unknown): Promise<number> {
    const p = awaitable(kernel.promise(WebsocketsOps.countSessions, [endpoint === undefined || endpoint === null ? "" : StringCtor(endpoint)]));
    return awaitable((async () => +((await p) as number) || 0)()) as Promise<number>;
  };

  /** The bytes an ArrayBuffer or a view covers, or undefined for anything else (a SharedArrayBuffer included). */
  function bytesOf(value: unknown): Uint8Array | undefined {
    if (isArrayBuffer(value)) return new kernel.builtins.Uint8ArrayCtor(value);
    if (!isView(value)) return undefined;
    const view = value as ArrayBufferView;
    const buffer = view.buffer;
    if (!isArrayBuffer(buffer)) return undefined;
    return new kernel.builtins.Uint8ArrayCtor(buffer, view.byteOffset, view.byteLength);
  }

  exports["getMessage"] = () => current.message;
  // As Dirigible's Throwable.getMessage(): the text without its class name ("TypeError: ").
  exports["getError"] = () => (typeof current.error === "string" ? withoutClassName(current.error) : current.error);
  exports["getMethod"] = () => current.method;
  exports["isOnOpen"] = () => current.method === events["open"]!.method;
  exports["isOnMessage"] = () => current.method === events["message"]!.method;
  exports["isOnError"] = () => current.method === events["error"]!.method;
  exports["isOnClose"] = () => current.method === events["close"]!.method;
  for (const name of ["getMessage", "getError", "getMethod", "isOnOpen", "isOnMessage", "isOnError", "isOnClose"]) {
    kernel.builtins.defineProperty(exports[name] as object, "name", { value: name });
  }

  /**
   * An error text as Dirigible's Throwable.getMessage() gives it: without its
   * class name ("TypeError: "). The result goes back to the script only.
   */
  function withoutClassName(text: string): string {
    const colon = kernel.builtins.indexOf(text, ": ", 0);
    if (colon <= 0 || !/^(?:[A-Za-z_$][\w$]*)?(?:Error|Exception)$/.test(kernel.builtins.slice(text, 0, colon))) return text;
    return kernel.builtins.slice(text, colon + 2);
  }

  // ---- the events ------------------------------------------------------------
  const hook = (kind: string) => events[kind]!;

  /** Sends what onMessage returned: a string, bytes, another JSON value (as JSON text), or a Promise of one. */
  function reply(ev: GuestEvent, connection: unknown, value: unknown): void {
    if (value === undefined || value === null || connection === undefined) return;
    const onMessage = hook("message").hook;
    try {
      if (sendValue(ev.peerId, value)) return;
      const then = isObjectLike(value) ? (value as { then?: unknown }).then : undefined;
      if (typeof then !== "function") {
        sendJson(ev.peerId, value);
        return;
      }
      // Like a Promise's resolving functions: only the first call counts, however often a thenable calls back.
      let settled = false;
      const onValue = (v: unknown) => {
        if (settled) return;
        settled = true;
        try {
          if (v !== undefined && v !== null && !sendValue(ev.peerId, v)) sendJson(ev.peerId, v);
        } catch (e) {
          kernel.fault(onMessage, ev, connection, e);
        }
      };
      const onError = (e: unknown) => {
        if (settled) return;
        settled = true;
        kernel.fault(onMessage, ev, connection, e);
      };
      apply(then, value, [onValue, onError]);
    } catch (e) {
      kernel.fault(onMessage, ev, connection, e);
    }
  }

  /** Any other value a hook returned (an object, a number, a boolean): sent as JSON text. */
  function sendJson(peerId: string, value: unknown): void {
    const json = kernel.builtins.stringify(value) as string | undefined;
    if (typeof json === "string") kernel.emit(OUT.send, peerId, json);
  }

  /** True when `value` was a string or bytes and has been sent. */
  function sendValue(peerId: string, value: unknown): boolean {
    if (typeof value === "string") kernel.emit(OUT.send, peerId, value);
    else if (isArrayBuffer(value) || isView(value)) kernel.emitBinary(peerId, value);
    else return false;
    return true;
  }

  kernel.onEvent("open", (ev) => {
    const c = kernel.peer(ev);
    kernel.runHook(hook("open").hook, hook("open").method, [c], ev, c);
  });
  kernel.onEvent("message", (ev) => {
    const c = kernel.peer(ev);
    const { hook: name, method } = hook("message");
    reply(ev, c, kernel.runHook(name, method, [ev.payload, c], ev, c, ev.payload));
  });
  kernel.onEvent("error", (ev) => {
    const c = kernel.peer(ev);
    kernel.runHook(hook("error").hook, hook("error").method, [ev.payload, c], ev, c, undefined, ev.payload);
  });
  kernel.onEvent("reconnect", (ev) => {
    const c = kernel.peer(ev);
    kernel.runHook(hook("reconnect").hook, hook("reconnect").method, [c, ev.code], ev, c);
  });
  kernel.onEvent("close", (ev) => {
    const c = kernel.peer(ev);
    kernel.runHook(hook("close").hook, hook("close").method, [c, freeze({ code: ev.code, reason: ev.payload })], ev, c);
    if (ev.peerKind === "session") sessions.delete(ev.peerId);
    else clients.delete(ev.peerId);
    dataOf.delete(ev.peerId);
  });
  // A hook that threw is followed by onError(error, connection), unless onError itself threw.
  kernel.onFault = (hookName, ev, connection, errorText) => {
    const onError = hook("error");
    if (hookName === onError.hook) return;
    kernel.runHook(onError.hook, onError.method, [errorText, connection], ev, connection, undefined, errorText);
  };
}
