import type { GuestCapability } from "../protocol/settings.js";
import * as builtins from "./builtins.js";
import { call, type Primitive } from "./calls.js";
import { current, type GuestEvent } from "./current.js";
import { callHook, hookOf, topLevelRunner } from "./handler.js";
import { host } from "./host.js";
import { dispatchNumber, emit, emitBinary, emitEntry } from "./outbox.js";
import { hostPromise } from "./promises.js";
import { describeError, errorJson, stackOf } from "./text.js";

export type { GuestEvent };

/** Runs one event kind (registered by a capability, or by the core). */
export type EventRunner = (ev: GuestEvent) => void;
/** Makes the script-visible object for a peer ("session" or "client"). */
export type PeerFactory = (id: string, where: string) => unknown;
/** Adds members to a peer object's fields before it is frozen. */
export type PeerExtension = (fields: Record<string, unknown>, id: string, where: string) => void;

/**
 * What capability modules running inside the sandbox get: the captured
 * built-ins and the ways to talk to the host. It is never handed to user code.
 */
export interface Kernel {
  readonly builtins: typeof builtins;
  /** Project-relative path of the handler module this context runs. */
  readonly handlerKey: string;
  /** The capability's own declaration (module name, events and their hooks). */
  readonly capability: GuestCapability;
  readonly outbox: typeof host.settings.outbox;
  readonly current: typeof current;
  emit(op: string, ...fields: (string | number)[]): void;
  emitBinary(peerId: string, data: unknown): void;
  /** An immediate host call: answers now. */
  call(op: string, args: Primitive[]): unknown;
  /** A capability operation that answers nothing, in order with the outbox. */
  post(op: string, args: unknown): void;
  /** A capability operation the host settles later. */
  promise(op: string, args: unknown): Promise<unknown>;
  /** Registers the runner of an event kind. */
  onEvent(kind: string, runner: EventRunner): void;
  /** Registers the factory of a peer kind's script objects. */
  definePeers(peerKind: string, factory: PeerFactory): void;
  /** Adds members to every script object of a peer kind, made from now on (another capability's methods on a connection). */
  extendPeers(peerKind: string, extension: PeerExtension): void;
  /** Runs the extensions of `peerKind` on the fields of a new peer object, before it is frozen. */
  extendPeer(peerKind: string, fields: Record<string, unknown>, id: string, where: string): void;
  peer(ev: GuestEvent): unknown;
  /**
   * Runs the handler's `hook` for `ev`: sets what getMessage()/getMethod()
   * say, reports a throw as a fault (and then runs `onFault`), and returns
   * what the hook returned. A hook that returns an object (a Promise, say)
   * ends the batch, so its code after an await has the event's whole budget.
   */
  runHook(hook: string, method: string | null, args: unknown[], ev: GuestEvent, peer: unknown, message?: unknown, error?: unknown): unknown;
  /** What runs after every hook returns or throws (websockets keeps the connections' data changed in it). */
  afterHook: (() => void) | undefined;
  /** Which dispatch is running (see outbox.ts dispatchNumber): host values read in an earlier one may be stale. */
  dispatch(): number;
  /** What runs after a hook threw and the fault was reported (websockets runs onError). */
  onFault: ((hook: string, ev: GuestEvent, peer: unknown, errorText: string) => void) | undefined;
  /** Reports a fault of `hook` (for throws the capability catches itself). */
  fault(hook: string, ev: GuestEvent, peer: unknown, error: unknown): void;
  /**
   * Answers the host's requests for `hook` with `fn` (its arguments, the peer
   * at its place; its return value or Promise is the reply). For names of the
   * runtime's own ("aerostat.…"), which no export and no top level answers.
   */
  provideHook(hook: string, fn: (...args: unknown[]) => unknown): void;
  /**
   * Marks the throws `test` accepts, from the request hooks named in `hooks`
   * only, as answers, not faults: a request of one of those hooks asked with
   * fault reporting replies with them as thrown (name, message, own fields)
   * but does not report them (net/v4/evqueue's ApiError is how onApi answers
   * status="KO"). The same throw from any other hook is a fault. A test that
   * throws accepts nothing.
   */
  answerThrows(hooks: readonly string[], test: (error: unknown) => boolean): void;
}

const runners = builtins.safeMap<string, EventRunner>();
const peerFactories = builtins.safeMap<string, PeerFactory>();
const peerExtensions = builtins.safeMap<string, PeerExtension[]>();
let wentAsync = false;
/** Hooks capabilities answer themselves (kernel.provideHook), by name. */
const provided = builtins.safeMap<string, (...args: unknown[]) => unknown>();
/** Tests of throws that answer a request rather than fault, by the hook they answer for (kernel.answerThrows). */
const answerTests = builtins.safeMap<string, ((error: unknown) => boolean)[]>();
/** Requests for names with this prefix are the runtime's own: only a provided hook answers them. */
const OWN_HOOK_PREFIX = "aerostat.";

export function runnerOf(kind: string): EventRunner | undefined {
  return runners.get(kind);
}

export function setRunner(kind: string, runner: EventRunner): void {
  runners.set(kind, runner);
}

/** Whether an event of this dispatch returned an object (ends the batch). */
export function takeWentAsync(): boolean {
  const was = wentAsync;
  wentAsync = false;
  return was;
}

export function markAsync(): void {
  wentAsync = true;
}

export function peerFor(ev: GuestEvent): unknown {
  const factory = ev.peerKind ? peerFactories.get(ev.peerKind) : undefined;
  return factory ? factory(ev.peerId, ev.where) : undefined;
}

function report(hook: string, ev: GuestEvent, error: unknown): string {
  const limits = host.limits;
  const text = describeError(error, limits.maxReportChars);
  emitEntry(true, host.settings.outbox.fault, [hook, ev.peerKind, ev.peerId, ev.where, text, stackOf(error, limits.maxReportChars * 4)]);
  return text;
}

/** A fault of a hook: reported, then the capability's onFault (once: not for a throw inside onFault itself). */
let inFault = false;
function fault(kernel: Kernel, hook: string, ev: GuestEvent, peer: unknown, error: unknown): void {
  const text = report(hook, ev, error);
  if (inFault || !kernel.onFault) return;
  inFault = true;
  try {
    kernel.onFault(hook, ev, peer, text);
  } finally {
    inFault = false;
  }
}

/** The kernel one capability module gets. */
export function makeKernel(capability: GuestCapability): Kernel {
  const kernel: Kernel = {
    builtins,
    handlerKey: host.settings.handler,
    capability,
    outbox: host.settings.outbox,
    current,
    emit,
    emitBinary,
    call,
    post: (op, args) => emit(host.settings.outbox.post, op, builtins.stringify(args === undefined ? null : args)),
    promise: hostPromise,
    onEvent: (kind, runner) => runners.set(kind, runner),
    definePeers: (peerKind, factory) => peerFactories.set(peerKind, factory),
    extendPeers: (peerKind, extension) => {
      const list = peerExtensions.get(peerKind);
      if (list) builtins.push(list, extension);
      else peerExtensions.set(peerKind, [extension]);
    },
    extendPeer: (peerKind, fields, id, where) => {
      const list = peerExtensions.get(peerKind);
      if (list) for (let i = 0; i < list.length; i++) list[i]!(fields, id, where);
    },
    peer: peerFor,
    afterHook: undefined,
    dispatch: dispatchNumber,
    onFault: undefined,
    fault: (hook, ev, peer, error) => fault(kernel, hook, ev, peer, error),
    provideHook: (hook, fn) => provided.set(hook, fn),
    answerThrows: (hooks, test) => {
      for (let i = 0; i < hooks.length; i++) {
        const hook = hooks[i]!;
        const tests = answerTests.get(hook);
        if (tests) builtins.push(tests, test);
        else answerTests.set(hook, [test]);
      }
    },
    runHook(hook, method, args, ev, peer, message, error) {
      const fn = hookOf(hook) ?? topLevelRunner();
      if (!fn) return undefined;
      current.method = method;
      current.message = message === undefined ? null : message;
      current.error = error === undefined ? null : error;
      current.peer = peer;
      try {
        const result = callHook(fn, args);
        if (builtins.isObjectLike(result)) wentAsync = true;
        return result;
      } catch (e) {
        fault(kernel, hook, ev, peer, e);
        return undefined;
      } finally {
        current.method = null;
        current.message = null;
        current.error = null;
        current.peer = undefined;
        if (kernel.afterHook) kernel.afterHook();
      }
    },
  };
  return kernel;
}

/** The hook a `reload` event runs: what a module exports to rebuild its state over live connections. */
export const RELOAD_HOOK = "onReload";
/** The hook the host asks (a request) before it accepts a handshake: onHandshake(request). */
export const HANDSHAKE_HOOK = "onHandshake";

/** A `reload` event: the module's new code runs its onReload(), if it has one. */
export function runReload(kernels: Kernel[], ev: GuestEvent): void {
  const fn = hookOf(RELOAD_HOOK);
  if (!fn) return;
  current.method = "onreload";
  try {
    if (builtins.isObjectLike(callHook(fn, []))) wentAsync = true;
  } catch (e) {
    coreFault(kernels, RELOAD_HOOK, ev, e);
  } finally {
    current.method = null;
    for (let i = 0; i < kernels.length; i++) {
      const after = kernels[i]!.afterHook;
      if (after) after();
    }
  }
}

/** Faults outside any capability's hooks (timer callbacks): reported, then the first capability's onFault. */
export function coreFault(kernels: Kernel[], hook: string, ev: GuestEvent, error: unknown): void {
  const first = kernels[0];
  if (first) fault(first, hook, ev, undefined, error);
  else report(hook, ev, error);
}

/**
 * A `request` event: the host asks hook payload[0] with arguments payload[1];
 * the event's peer goes in at index payload[2] (after the arguments when
 * absent or null). The answer goes back as a reply. With payload[3] === 1 a
 * throw (or a rejection) is also reported as a fault of the hook, with its
 * stack, as an event hook's throw is.
 */
export function runRequest(ev: GuestEvent): void {
  const id = builtins.StringCtor(ev.code);
  let hook: string;
  let args: unknown[];
  let peerAt = -1;
  let faults = false;
  try {
    const parsed = builtins.parse(builtins.StringCtor(ev.payload)) as [string, unknown[], (number | null)?, number?];
    hook = builtins.StringCtor(parsed[0]);
    args = builtins.isArray(parsed[1]) ? parsed[1] : [];
    if (typeof parsed[2] === "number") peerAt = parsed[2];
    faults = parsed[3] === 1;
  } catch (_) {
    replyError(id, { name: "RequestError", message: "the host sent a malformed request" });
    return;
  }
  // A module written the Dirigible way (no hooks) runs its top level, as for the event the hook belongs to.
  const own = builtins.slice(hook, 0, OWN_HOOK_PREFIX.length) === OWN_HOOK_PREFIX;
  const fn = own ? provided.get(hook) : (hookOf(hook) ?? topLevelRunner());
  if (!fn) {
    replyError(id, { name: "HookMissingError", message: "the handler " + host.settings.handler + " has no " + hook + " function" });
    return;
  }
  const thrown = (e: unknown) => {
    if (faults && !isAnswer(hook, e)) report(hook, ev, e);
    replyThrown(id, e);
  };
  const peer = peerFor(ev);
  const callArgs: unknown[] = [];
  for (let i = 0; i < args.length; i++) {
    if (i === peerAt && peer !== undefined) builtins.push(callArgs, peer);
    builtins.push(callArgs, args[i]);
  }
  if (peer !== undefined && (peerAt < 0 || peerAt >= args.length)) builtins.push(callArgs, peer);
  const kind = eventOfHook(hook);
  current.method = kind ? kind.method : hook;
  if (kind && kind.kind === host.settings.events.message) current.message = args.length > 0 ? args[0] : null;
  current.peer = peer;
  let result: unknown;
  try {
    result = callHook(fn, callArgs);
  } catch (e) {
    thrown(e);
    return;
  } finally {
    current.method = null;
    current.message = null;
    current.peer = undefined;
  }
  if (builtins.isObjectLike(result)) {
    wentAsync = true;
    let then: unknown;
    try {
      then = (result as { then?: unknown }).then;
    } catch (e) {
      thrown(e);
      return;
    }
    if (typeof then === "function") {
      // Only the first answer counts, however often a thenable calls back.
      let answered = false;
      const once = (answer: () => void) => () => {
        if (answered) return;
        answered = true;
        answer();
      };
      try {
        builtins.apply(then, result, [(v: unknown) => once(() => replyValue(id, v))(), (e: unknown) => once(() => thrown(e))()]);
      } catch (e) {
        once(() => thrown(e))();
      }
      return;
    }
  }
  replyValue(id, result);
}

/** Whether a throw of `hook` is an answer a capability declared for it (kernel.answerThrows), not a fault. */
function isAnswer(hook: string, error: unknown): boolean {
  const tests = answerTests.get(hook);
  if (!tests) return false;
  for (let i = 0; i < tests.length; i++) {
    try {
      if (tests[i]!(error)) return true;
    } catch (_) {
      // A throw whose test throws (a hostile Proxy, say) is reported as a fault.
    }
  }
  return false;
}

/** The event kind whose hook is `hook`, and what getMethod() says for it. */
function eventOfHook(hook: string): { kind: string; method: string } | undefined {
  const caps = host.settings.capabilities;
  for (let i = 0; i < caps.length; i++) {
    const events = caps[i]!.events;
    const kinds = builtins.keys(events);
    for (let k = 0; k < kinds.length; k++) if (events[kinds[k]!]!.hook === hook) return { kind: kinds[k]!, method: events[kinds[k]!]!.method };
  }
  return undefined;
}

/** A hook's answer as JSON text; "" when it returned nothing (undefined), which the host tells apart from null. */
function replyValue(id: string, value: unknown): void {
  let json: string;
  try {
    json = value === undefined ? "" : (builtins.stringify(value) ?? "null");
  } catch (e) {
    replyThrown(id, e);
    return;
  }
  try {
    emit(host.settings.outbox.reply, id, "1", json);
  } catch (e) {
    replyThrown(id, e);
  }
}

function replyThrown(id: string, error: unknown): void {
  emitEntry(true, host.settings.outbox.reply, [id, "0", errorJson(error, host.limits.maxReportChars)]);
}

function replyError(id: string, error: { name: string; message: string }): void {
  emitEntry(true, host.settings.outbox.reply, [id, "0", builtins.stringify(error)]);
}
