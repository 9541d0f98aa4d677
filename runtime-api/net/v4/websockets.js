// net/v4/websockets — the WebSocket API for handler scripts.
//
// Runs inside the sandbox. The host evaluates this file as a function of
// (exports, module, kernel); `kernel` comes from the prelude and is never
// visible to user code. Types and documentation: websockets.d.ts beside it.
(function (exports, module, kernel) {
  "use strict";
  const OUT = kernel.protocol.outbox;
  const SYNC = kernel.protocol.sync;
  const freeze = Object.freeze;
  const StringCtor = String;
  const TypeErrorCtor = TypeError;
  const RangeErrorCtor = RangeError;
  const isArray = Array.isArray;
  const stringify = JSON.stringify;

  function checkCode(code) {
    if (code === undefined) return 1000;
    if (typeof code !== "number" || !(code === 1000 || (code >= 3000 && code <= 4999))) {
      throw new TypeErrorCtor("close(code): code must be 1000 or a number from 3000 to 4999, got " + StringCtor(code));
    }
    return code;
  }

  function checkReason(reason) {
    if (reason === undefined) return "";
    if (typeof reason !== "string") throw new TypeErrorCtor("close(code, reason): reason must be a string");
    return reason;
  }

  function sendTo(id, message) {
    if (typeof message === "string") kernel.emit(OUT.send, id, message);
    else kernel.emit(OUT.sendBinary, id, kernel.encodeBinary(message));
  }

  // A connection object: the given fields plus send and close, addressed by id.
  function peer(fields) {
    const id = fields.id;
    fields.send = function send(message) {
      sendTo(id, message);
    };
    fields.close = function close(code, reason) {
      kernel.emit(OUT.close, id, checkCode(code), checkReason(reason));
    };
    return freeze(fields);
  }

  // ---- browser sessions (incoming connections) -------------------------------
  const sessions = new Map();
  function sessionObject(id, endpoint) {
    let s = sessions.get(id);
    if (!s) sessions.set(id, (s = peer({ id, endpoint })));
    return s;
  }

  // ---- outgoing clients -------------------------------------------------------
  const clients = new Map();
  function clientObject(meta) {
    if (meta === null || typeof meta !== "object") return null;
    const id = StringCtor(meta.id);
    let c = clients.get(id);
    if (!c) clients.set(id, (c = peer({ id, uri: StringCtor(meta.uri), handler: StringCtor(meta.handler) })));
    return c;
  }

  kernel.peerFactory = function (kind, id, where) {
    if (kind === "session") return sessionObject(id, where);
    return clientObject(clients.get(id) || { id, uri: where, handler: kernel.handler });
  };
  kernel.forgetPeer = function (kind, id) {
    if (kind === "session") sessions.delete(id);
    else clients.delete(id);
  };

  function metadata(meta) {
    return freeze({
      id: StringCtor(meta.id),
      uri: StringCtor(meta.uri),
      handler: StringCtor(meta.handler),
      engine: StringCtor(meta.engine),
      readyState: +meta.readyState,
    });
  }

  function sessionMetadata(meta) {
    return freeze({ id: StringCtor(meta.id), endpoint: StringCtor(meta.endpoint), readyState: +meta.readyState });
  }

  // ---- the API ----------------------------------------------------------------
  exports.createWebsocket = function createWebsocket(uri, handler, engine) {
    if (typeof uri !== "string") throw new TypeErrorCtor("createWebsocket(uri): uri must be a string");
    if (!/^wss?:\/\//i.test(uri)) {
      throw new TypeErrorCtor('createWebsocket(uri): uri must start with ws:// or wss://, got "' + uri + '"');
    }
    if (typeof handler !== "string" || handler === "") {
      throw new TypeErrorCtor("createWebsocket(uri, handler): handler must be a module path such as \"my-project/ws-handler\"");
    }
    const chosen = engine === undefined ? "javascript" : engine;
    if (chosen !== "javascript") {
      throw new TypeErrorCtor('createWebsocket(uri, handler, engine): engine must be "javascript", got "' + StringCtor(chosen) + '"');
    }
    const answer = kernel.call(SYNC.clientCreate, [uri, handler, chosen]);
    if (answer && typeof answer.error === "string") {
      throw answer.kind === "range" ? new RangeErrorCtor(answer.error) : new TypeErrorCtor(answer.error);
    }
    return clientObject(answer);
  };

  exports.getClients = function getClients() {
    const list = kernel.call(SYNC.clientList, []);
    return isArray(list) ? list.map(metadata) : [];
  };

  exports.getClient = function getClient(id) {
    const meta = kernel.call(SYNC.clientGet, [StringCtor(id)]);
    return meta ? clientObject(meta) : null;
  };

  exports.getClientByHandler = function getClientByHandler(handler) {
    const meta = kernel.call(SYNC.clientByHandler, [StringCtor(handler)]);
    return meta ? clientObject(meta) : null;
  };

  exports.getSessions = function getSessions(endpoint) {
    const list = kernel.call(SYNC.sessionList, [endpoint === undefined ? "" : StringCtor(endpoint)]);
    return isArray(list) ? list.map(sessionMetadata) : [];
  };

  exports.getSession = function getSession(id) {
    const meta = kernel.call(SYNC.sessionGet, [StringCtor(id)]);
    return meta ? sessionObject(StringCtor(meta.id), StringCtor(meta.endpoint)) : null;
  };

  exports.broadcast = function broadcast(message, options) {
    if (typeof message !== "string") throw new TypeErrorCtor("broadcast(message): message must be a string");
    const endpoint = options && options.endpoint !== undefined ? StringCtor(options.endpoint) : "";
    // The except list is encoded by hand: user code may have replaced Array.prototype.
    let except = "[";
    if (options && options.except !== undefined) {
      const raw = isArray(options.except) ? options.except : [options.except];
      for (let i = 0; i < raw.length; i++) {
        const e = raw[i];
        except += (i ? "," : "") + stringify(e && typeof e === "object" ? StringCtor(e.id) : StringCtor(e));
      }
    }
    kernel.emit(OUT.broadcast, message, endpoint, except + "]");
  };

  exports.getMessage = function getMessage() {
    return kernel.current.message;
  };
  exports.getError = function getError() {
    return kernel.current.error;
  };
  exports.getMethod = function getMethod() {
    return kernel.current.method;
  };
  exports.isOnOpen = function isOnOpen() {
    return kernel.current.method === "onopen";
  };
  exports.isOnMessage = function isOnMessage() {
    return kernel.current.method === "onmessage";
  };
  exports.isOnError = function isOnError() {
    return kernel.current.method === "onerror";
  };
  exports.isOnClose = function isOnClose() {
    return kernel.current.method === "onclose";
  };
});
