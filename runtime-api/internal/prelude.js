// Runs first in every handler context, before any user code.
//
// The host evaluates this file; its value is a function that receives the host
// bridge (a function that takes and returns strings only) and the settings as
// JSON. It returns the internals the host drives: dispatch, recover, and the
// module installers. Nothing here is reachable from user code except through
// the globals it deliberately defines (console, timers, require).
//
// User code may replace any builtin after this runs, so everything used here is
// captured first, and the outbox is built by string concatenation only.
(function prelude(hostCall, settingsJson) {
  "use strict";
  const g = globalThis;
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const StringCtor = String;
  const fromCharCode = String.fromCharCode;
  const apply = Reflect.apply;
  const defineProperty = Object.defineProperty;
  const freeze = Object.freeze;
  const isArrayBuffer = (v) => v instanceof ArrayBuffer;
  const isView = ArrayBuffer.isView;
  const Uint8ArrayCtor = Uint8Array;
  const MapCtor = Map;
  const mapGet = Map.prototype.get;
  const mapSet = Map.prototype.set;
  const mapHas = Map.prototype.has;
  const mapDelete = Map.prototype.delete;
  const now = Date.now;
  const TypeErrorCtor = TypeError;
  const RangeErrorCtor = RangeError;
  const indexOf = String.prototype.indexOf;
  const slice = String.prototype.slice;

  // V8 flags of the host process (--expose-gc, say) can add globals to every
  // context. Scripts get only the documented globals.
  // Some (gc) cannot be deleted, only overwritten.
  for (const name of ["gc", "version", "print", "quit", "readline", "load", "os"]) {
    if (!Object.prototype.hasOwnProperty.call(g, name)) continue;
    try {
      delete g[name];
    } catch (_) {
      g[name] = undefined;
    }
  }

  // Features whose code V8 runs on its own schedule, outside any timed call
  // (finalization callbacks, Atomics.waitAsync, WebAssembly's async compiles),
  // or whose memory lies outside the isolate's limit (WebAssembly memories,
  // resizable and growable buffers), are not available to handler scripts.
  for (const name of ["WebAssembly", "FinalizationRegistry"]) {
    try {
      delete g[name];
    } catch (_) {
      g[name] = undefined;
    }
  }
  if (g.Atomics) delete g.Atomics.waitAsync;
  // A stack is formatted when first read, possibly by the host outside a timed
  // call: no script-defined formatter may run then.
  defineProperty(Error, "prepareStackTrace", { value: undefined, writable: false, configurable: false });
  for (const name of ["ArrayBuffer", "SharedArrayBuffer"]) {
    if (typeof g[name] === "function") fixedLengthOnly(name, g[name]);
  }
  // Replaces a buffer constructor with one that refuses `maxByteLength`.
  function fixedLengthOnly(name, Original) {
    const construct = Reflect.construct;
    const Fixed = function (length, options) {
      if (new.target === undefined) throw new TypeErrorCtor("Constructor " + name + " requires 'new'");
      if (options !== undefined) {
        throw new TypeErrorCtor(
          name + ": resizable and growable buffers are not available in handler scripts (their memory is outside the " +
            "sandbox's limit). Allocate a fixed-length buffer: new " + name + "(length).",
        );
      }
      return construct(Original, [length], new.target === Fixed ? Original : new.target);
    };
    const statics = Object.getOwnPropertyNames(Original).concat(Object.getOwnPropertySymbols(Original));
    for (const key of statics) {
      if (key === "prototype" || key === "length" || key === "name") continue;
      defineProperty(Fixed, key, Object.getOwnPropertyDescriptor(Original, key));
    }
    defineProperty(Fixed, "name", { value: name });
    defineProperty(Fixed, "length", { value: 1 });
    defineProperty(Fixed, "prototype", { value: Original.prototype, writable: false });
    Object.setPrototypeOf(Fixed, Object.getPrototypeOf(Original));
    defineProperty(Original.prototype, "constructor", { value: Fixed, writable: true, configurable: true });
    delete Original.prototype.resize;
    delete Original.prototype.grow;
    defineProperty(g, name, { value: Fixed, writable: true, configurable: true });
  }

  const settings = parse(settingsJson);
  const P = settings.protocol;
  const OUT = P.outbox;
  const EV = P.event;
  const M = P.methods; // event kind → handler function name, e.g. M[EV.open] === "onOpen"

  // A Map whose methods cannot be swapped out by user code.
  function safeMap() {
    const m = new MapCtor();
    return {
      get: (k) => apply(mapGet, m, [k]),
      set: (k, v) => apply(mapSet, m, [k, v]),
      has: (k) => apply(mapHas, m, [k]),
      delete: (k) => apply(mapDelete, m, [k]),
      size: () => m.size,
    };
  }

  // ---- outbox ---------------------------------------------------------------
  // Caps hold per event: entries and characters are counted from the start of
  // the running event. Code after an await runs outside any event, once the
  // dispatch has returned; it has a budget of its own, renewed with every
  // dispatch (an event that goes async ends its batch, so that budget is its own).
  let outbox = "";
  let inDispatch = false;
  let eventEntries = 0;
  let eventStart = 0;
  let eventCalls = 0;
  let lateEntries = 0;
  let lateChars = 0;

  // One outbox field: "<length>:<text>". Numbers become their decimal text.
  function field(value) {
    const text =
      typeof value === "string"
        ? value
        : typeof value === "number"
          ? value === value && value !== 1 / 0 && value !== -1 / 0
            ? "" + value
            : "0"
          : StringCtor(value);
    return text.length + ":" + text;
  }

  function emit(op, a, b, c, d) {
    emitEntry(false, op, a, b, c, d);
  }

  // `report` entries (fault reports) skip the caps: an event yields at most
  // two, each clipped, and a full outbox must not hide why it was full.
  function emitEntry(report, op, a, b, c, d) {
    const used = inDispatch ? outbox.length - eventStart : lateChars;
    if (!report) {
      if ((inDispatch ? eventEntries : lateEntries) >= settings.maxOutboxEntries) {
        throw new RangeErrorCtor(
          "Too many outgoing operations in one event (limit " + settings.maxOutboxEntries + "). Send fewer messages per event.",
        );
      }
      // Refuse oversized data before spending time encoding it.
      const raw = (typeof a === "string" ? a.length : 0) + (typeof b === "string" ? b.length : 0);
      if (used + raw > settings.maxOutboxChars) tooMuchData();
    }
    let entry = op;
    if (a !== undefined) entry += field(a);
    if (b !== undefined) entry += field(b);
    if (c !== undefined) entry += field(c);
    if (d !== undefined) entry += field(d);
    if (!report && used + entry.length > settings.maxOutboxChars) tooMuchData();
    if (inDispatch) {
      outbox += entry;
      eventEntries++;
      return;
    }
    lateEntries++;
    lateChars += entry.length;
    // After an await: straight to the host.
    hostCall(P.sync.outboxFlush, "[" + stringify(entry) + "]");
  }

  function tooMuchData() {
    throw new RangeErrorCtor(
      "Too much outgoing data in one event (limit " + settings.maxOutboxChars + " characters). Send less per event.",
    );
  }

  function takeOutbox() {
    const text = outbox;
    outbox = "";
    eventStart = 0;
    return text;
  }

  // A new event (or a new dispatch's continuations) gets fresh budgets.
  function startEvent() {
    eventEntries = 0;
    eventCalls = 0;
    eventAnswerChars = 0;
    eventStart = outbox.length;
  }
  function renewLateBudget() {
    lateEntries = 0;
    lateChars = 0;
    lateCalls = 0;
    lateAnswerChars = 0;
  }
  let lateCalls = 0;
  let eventAnswerChars = 0;
  let lateAnswerChars = 0;

  // Text a script produced (error messages, stacks, log lines), cut to `max`
  // characters. The cut is copied: a plain slice would keep the whole original
  // alive for as long as the outbox holds the cut.
  function clip(text, max) {
    if (text.length <= max) return text;
    const cut = parse(stringify(apply(slice, text, [0, max])));
    return cut + "… (" + (text.length - max) + " more characters)";
  }

  function call(op, args) {
    if ((inDispatch ? eventCalls : lateCalls) >= settings.maxHostCalls) {
      throw new RangeErrorCtor(
        "Too many API calls in one event (limit " + settings.maxHostCalls + "). Call getSessions() and the like once and keep the result.",
      );
    }
    if ((inDispatch ? eventAnswerChars : lateAnswerChars) > settings.maxHostAnswerChars) {
      throw new RangeErrorCtor(
        "API calls in this event have returned too much data (limit " + settings.maxHostAnswerChars + " characters). Call getSessions() and the like once and keep the result.",
      );
    }
    if (inDispatch) eventCalls++;
    else lateCalls++;
    let text = "[";
    for (let i = 0; i < args.length; i++) {
      const v = args[i];
      text += (i ? "," : "") + (v === null ? "null" : typeof v === "number" ? (v === v ? "" + v : "0") : stringify(StringCtor(v)));
    }
    if (text.length > settings.maxHostCallChars) {
      throw new RangeErrorCtor("API call arguments too long (" + text.length + " characters, limit " + settings.maxHostCallChars + ").");
    }
    const answer = hostCall(op, text + "]");
    if (typeof answer === "string") {
      if (inDispatch) eventAnswerChars += answer.length;
      else lateAnswerChars += answer.length;
    }
    return typeof answer === "string" ? parse(answer) : null;
  }

  function encodeBinary(data) {
    let bytes;
    if (isArrayBuffer(data)) bytes = new Uint8ArrayCtor(data);
    else if (isView(data)) bytes = new Uint8ArrayCtor(data.buffer, data.byteOffset, data.byteLength);
    else throw new TypeErrorCtor("expected a string, an ArrayBuffer or a typed array");
    let out = "";
    for (let i = 0; i < bytes.length; i++) out += fromCharCode(bytes[i]);
    return out;
  }

  function describeError(error) {
    try {
      if (error && typeof error === "object") {
        const name = StringCtor(error.name || "Error");
        const message = StringCtor(error.message === undefined ? "" : error.message);
        return clip(name + ": " + message, settings.maxReportChars);
      }
      return clip("Error: " + StringCtor(error), settings.maxReportChars);
    } catch (_) {
      return "Error: (unprintable error)";
    }
  }

  function stackOf(error) {
    try {
      const stack = error && typeof error === "object" ? error.stack : "";
      return typeof stack === "string" ? clip(stack, settings.maxReportChars * 4) : "";
    } catch (_) {
      return "";
    }
  }

  // ---- console ---------------------------------------------------------------
  function format(args) {
    let text = "";
    for (let i = 0; i < args.length; i++) {
      const v = args[i];
      let part;
      try {
        if (typeof v === "string") part = v;
        else if (v instanceof Error) part = stackOf(v) || describeError(v);
        else if (v === undefined || typeof v === "function" || typeof v === "symbol") part = StringCtor(v);
        else part = stringify(v);
        if (part === undefined) part = StringCtor(v);
      } catch (_) {
        part = "[unprintable]";
      }
      text += (i ? " " : "") + part;
      if (text.length > settings.maxLogChars) break;
    }
    return clip(text, settings.maxLogChars);
  }
  // The connection whose event is running, so the host can tag log lines.
  const eventPeer = { id: "", where: "" };
  const consoleObject = {};
  for (const level of ["log", "info", "warn", "error", "debug"]) {
    consoleObject[level] = function (...args) {
      emit(OUT.log, level, format(args), eventPeer.id, eventPeer.where);
    };
  }
  defineProperty(g, "console", { value: freeze(consoleObject), writable: true, configurable: true });

  // ---- timers ----------------------------------------------------------------
  const timers = safeMap();
  let nextTimerId = 1;
  function addTimer(fn, delay, args, repeat) {
    if (typeof fn !== "function") throw new TypeErrorCtor("The callback must be a function");
    if (timers.size() >= settings.maxTimers) {
      throw new RangeErrorCtor("Too many timers (limit " + settings.maxTimers + "). Clear timers you no longer need.");
    }
    const id = nextTimerId++;
    const ms = +delay > 0 ? +delay : 0;
    timers.set(id, { fn, args, repeat });
    emit(OUT.timerSet, id, ms, repeat ? "1" : "0");
    return id;
  }
  function clearTimer(id) {
    if (typeof id === "number" && timers.delete(id)) emit(OUT.timerClear, id);
  }
  const timerGlobals = {
    setTimeout: (fn, delay, ...args) => addTimer(fn, delay, args, false),
    setInterval: (fn, delay, ...args) => addTimer(fn, delay, args, true),
    clearTimeout: clearTimer,
    clearInterval: clearTimer,
  };
  for (const name in timerGlobals) {
    defineProperty(g, name, { value: timerGlobals[name], writable: true, configurable: true });
  }

  // ---- modules ---------------------------------------------------------------
  const runtimeFactories = safeMap();
  const runtimeModules = safeMap();
  let handler = null;

  // The kernel is what runtime-api modules use to talk to the host. It is never
  // handed to user code.
  const current = { method: null, message: undefined, error: undefined, peer: undefined };
  const kernel = {
    handler: settings.handler,
    protocol: P,
    emit,
    call,
    encodeBinary,
    current,
    peerFactory: null,
  };

  function requireModule(name) {
    const key = StringCtor(name);
    if (runtimeModules.has(key)) return runtimeModules.get(key);
    const factory = runtimeFactories.get(key);
    if (!factory) {
      throw new TypeErrorCtor(
        'Cannot require "' + key + '": handler scripts can only require the runtime modules (' + settings.modules + ").",
      );
    }
    const module = { exports: {} };
    runtimeModules.set(key, module.exports);
    factory(module.exports, module, kernel);
    runtimeModules.set(key, module.exports);
    return module.exports;
  }
  defineProperty(g, "require", { value: requireModule, writable: true, configurable: true });

  function pickHandler(exportsObject) {
    if (exportsObject === null || (typeof exportsObject !== "object" && typeof exportsObject !== "function")) return {};
    for (const kind of [EV.open, EV.message, EV.error, EV.close]) {
      if (typeof exportsObject[M[kind]] === "function") return exportsObject;
    }
    const fallback = exportsObject.default;
    if (fallback && typeof fallback === "object") return fallback;
    return exportsObject;
  }

  // ---- dispatch --------------------------------------------------------------
  const methodNames = { [EV.open]: "onopen", [EV.message]: "onmessage", [EV.error]: "onerror", [EV.close]: "onclose" };

  function peerFor(kind, id, where) {
    if (kind === "" || !kernel.peerFactory) return undefined;
    return kernel.peerFactory(kind, id, where);
  }

  function fault(method, peer, peerId, error) {
    const errorText = describeError(error);
    emitEntry(true, OUT.fault, method, peerId, errorText, stackOf(error));
    if (method === M[EV.error]) return;
    runMethod(M[EV.error], EV.error, [errorText, peer], peer, peerId, undefined, errorText);
  }

  function runMethod(name, kind, args, peer, peerId, message, error) {
    const fn = handler && handler[name];
    if (typeof fn !== "function") return undefined;
    current.method = methodNames[kind];
    current.message = message;
    current.error = error;
    current.peer = peer;
    try {
      const result = apply(fn, handler, args);
      // An object back (a Promise, most likely) may have code after an await:
      // it runs once the batch returns, so the batch ends with this event.
      if (result !== null && (typeof result === "object" || typeof result === "function")) wentAsync = true;
      return result;
    } catch (e) {
      fault(name, peer, peerId, e);
      return undefined;
    } finally {
      current.method = null;
      current.message = undefined;
      current.error = undefined;
      current.peer = undefined;
    }
  }

  // Sends what onMessage returned: a string, bytes, or a Promise of either.
  // Anything odd about the value (throwing getters, hostile Proxies) is
  // reported as a fault of onMessage.
  function reply(peer, peerId, value) {
    if (value === undefined || value === null || peer === undefined) return;
    try {
      if (sendValue(peerId, value)) return;
      if (typeof value !== "object" && typeof value !== "function") return;
      const then = value.then;
      if (typeof then !== "function") return;
      const onValue = (v) => {
        try {
          sendValue(peerId, v);
        } catch (e) {
          fault(M[EV.message], peer, peerId, e);
        }
      };
      apply(then, value, [onValue, (e) => fault(M[EV.message], peer, peerId, e)]);
    } catch (e) {
      fault(M[EV.message], peer, peerId, e);
    }
  }

  // True when `value` was a string or bytes and has been sent.
  function sendValue(peerId, value) {
    if (typeof value === "string") emit(OUT.send, peerId, value);
    else if (isArrayBuffer(value) || isView(value)) emit(OUT.sendBinary, peerId, encodeBinary(value));
    else return false;
    return true;
  }

  function runTimer(id) {
    const timer = timers.get(id);
    if (!timer) return;
    if (!timer.repeat) timers.delete(id);
    try {
      const result = apply(timer.fn, undefined, timer.args);
      if (result !== null && (typeof result === "object" || typeof result === "function")) wentAsync = true;
    } catch (e) {
      fault("timer", undefined, "", e);
    }
  }

  // Reading a batch: see src/sandbox/batch-codec.ts for the format.
  let batchText = "";
  let batchBinaries = null;
  let pos = 0;
  function readField() {
    const colon = apply(indexOf, batchText, [":", pos]);
    const length = +apply(slice, batchText, [pos, colon]);
    const value = apply(slice, batchText, [colon + 1, colon + 1 + length]);
    pos = colon + 1 + length;
    return value;
  }

  const PEER = { s: "session", S: "session", c: "client", C: "client", "-": "" };
  function runNextEvent() {
    const kind = +batchText[pos];
    const peerChar = batchText[pos + 1];
    pos += 2;
    const peerKind = PEER[peerChar];
    const peerId = readField();
    const where = readField();
    const rawPayload = readField();
    const code = +readField();
    const payload = peerChar === "S" || peerChar === "C" ? batchBinaries[+rawPayload] : rawPayload;
    if (kind === EV.timer) return runTimer(code);
    eventPeer.id = peerId;
    eventPeer.where = where;
    try {
      runPeerEvent(kind, peerKind, peerId, where, payload, code);
    } finally {
      eventPeer.id = "";
      eventPeer.where = "";
    }
  }

  function runPeerEvent(kind, peerKind, peerId, where, payload, code) {
    const peer = peerFor(peerKind, peerId, where);
    if (kind === EV.open) runMethod(M[kind], kind, [peer], peer, peerId);
    else if (kind === EV.message) reply(peer, peerId, runMethod(M[kind], kind, [payload, peer], peer, peerId, payload));
    else if (kind === EV.error) runMethod(M[kind], kind, [payload, peer], peer, peerId, undefined, payload);
    else if (kind === EV.close) {
      runMethod(M[kind], kind, [peer, freeze({ code, reason: payload })], peer, peerId);
      if (kernel.forgetPeer) kernel.forgetPeer(peerKind, peerId);
    }
  }

  let done = 0;
  let wentAsync = false;
  // Runs events until the batch is done, its time slice is used, its output
  // budget is used, or an event went async. Every event starts within the
  // slice, and the host's timeout is the CPU limit plus the slice, so each
  // event (with its code after an await) gets at least the whole CPU limit,
  // whatever ran before it in the batch. Returns "<done>[a]|<outbox>", with
  // "a" when the last event went async.
  function dispatch(text, binaries) {
    inDispatch = true;
    done = 0;
    wentAsync = false;
    renewLateBudget();
    batchText = text;
    batchBinaries = binaries || null;
    pos = 0;
    const started = now();
    while (pos < batchText.length) {
      if (done > 0 && (now() - started >= settings.sliceMs || outbox.length >= settings.maxOutboxChars)) break;
      startEvent();
      try {
        runNextEvent();
      } catch (e) {
        // Only reachable if a report itself failed; the event counts as done.
        current.method = null;
      }
      done++;
      if (wentAsync) break;
    }
    inDispatch = false;
    batchText = "";
    batchBinaries = null;
    return done + (wentAsync ? "a" : "") + "|" + takeOutbox();
  }

  // After the host stopped a dispatch at the CPU limit: report how far it got
  // and hand over what the events produced, the stopped one's too (its log
  // lines say what it was doing).
  function recover() {
    inDispatch = false;
    current.method = null;
    return done + (wentAsync ? "a" : "") + "|" + takeOutbox();
  }

  // Runs code outside any event (module top level) with the outbox collected.
  function collect(fn) {
    inDispatch = true;
    renewLateBudget();
    startEvent();
    try {
      fn();
      return "ok|" + takeOutbox();
    } catch (e) {
      const text = takeOutbox();
      return "error|" + text + "\u0000" + describeError(e) + "\u0000" + stackOf(e);
    } finally {
      inDispatch = false;
    }
  }

  return {
    dispatch,
    recover,
    defineRuntimeModule(name, factory) {
      runtimeFactories.set(name, factory);
    },
    loadRuntimeModule(name) {
      return collect(() => requireModule(name));
    },
    installCjs(fn, filename, dirname) {
      return collect(() => {
        const module = { exports: {} };
        apply(fn, module.exports, [module.exports, requireModule, module, filename, dirname]);
        handler = pickHandler(module.exports);
      });
    },
  };
});
