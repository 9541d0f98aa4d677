/**
 * net/v4/events inside the sandbox (types and docs: events.d.ts beside this
 * file): emit and on go to the host as host promises; the waiting, the
 * timeouts and the engine live on the host (hub.ts). onready and onerror
 * callbacks run on events the host queues.
 */
import type { GuestEvent, Kernel } from "../../guest/kernel.js";
import { EventsKinds, EventsLimits, EventsOps, TIMEOUT_MESSAGE } from "./ops-names.js";

export default function events(exports: Record<string, unknown>, kernel: Kernel): void {
  const { freeze, StringCtor, TypeErrorCtor, RangeErrorCtor, ErrorCtor, PromiseCtor, isObjectLike, keys, parse, stringify, defineProperty, apply, push } =
    kernel.builtins;

  /** The error of an on() that waited too long; `instanceof TimeoutError` works in scripts. */
  class TimeoutError extends ErrorCtor {
    constructor(message?: string) {
      super(message === undefined ? TIMEOUT_MESSAGE : message);
    }
  }
  defineProperty(TimeoutError.prototype, "name", { value: "TimeoutError", writable: true, configurable: true });
  freeze(TimeoutError.prototype);
  freeze(TimeoutError);

  let timeoutMs: number = EventsLimits.defaultTimeoutMs;
  /** on() calls of this context not settled yet. */
  let waiting = 0;

  // The host promises awaited here, and the ones handed to the script, are made safe to await.
  const awaitable = kernel.builtins.awaitable;

  /** The host's error as the script sees it: TimeoutError, TypeError, RangeError or Error. */
  function scriptError(error: unknown): Error {
    const e = (isObjectLike(error) ? error : {}) as { name?: unknown; message?: unknown };
    const message = StringCtor(e.message === undefined ? "" : e.message);
    if (e.name === "TimeoutError") return new TimeoutError(message);
    if (e.name === "TypeError") return new TypeErrorCtor(message);
    if (e.name === "RangeError") return new RangeErrorCtor(message);
    return new ErrorCtor(message);
  }

  function checkName(api: string, name: unknown): string {
    if (typeof name !== "string" || name === "") throw new TypeErrorCtor(api + ": name must be a non-empty string");
    if (name.length > EventsLimits.maxNameChars) throw new RangeErrorCtor(api + ": name is over " + EventsLimits.maxNameChars + " characters");
    return name;
  }

  function checkId(api: string, id: unknown): string {
    if (typeof id !== "string" && (typeof id !== "number" || id !== id)) throw new TypeErrorCtor(api + ": id must be a string or a number");
    const text = StringCtor(id);
    if (text.length > EventsLimits.maxNameChars) throw new RangeErrorCtor(api + ": id is over " + EventsLimits.maxNameChars + " characters");
    return text;
  }

  function checkMs(api: string, what: string, ms: unknown): number {
    if (typeof ms !== "number" || !(ms > 0) || ms > EventsLimits.maxTimeoutMs) {
      throw new RangeErrorCtor(api + ": " + what + " must be a number of milliseconds from 1 to " + EventsLimits.maxTimeoutMs + ", got " + StringCtor(ms));
    }
    return ms;
  }

  /** The options of emit: an object whose only own key is retainMs. Anything else is an argument of the event. */
  function isEmitOptions(value: unknown): value is { retainMs: unknown } {
    if (!isObjectLike(value) || kernel.builtins.isArray(value)) return false;
    const own = keys(value);
    return own.length === 1 && own[0] === "retainMs";
  }

  /** Runs what the script asked in a Promise: a bad argument rejects it rather than throwing at the call, as upstream. */
  function rejected(error: unknown): Promise<never> {
    return awaitable(new PromiseCtor<never>((_resolve, reject) => reject(error))) as Promise<never>;
  }

  exports["emit"] = function emit(name: unknown, id: unknown, ...args: unknown[]): Promise<void> {
    try {
      const n = checkName("events.emit", name);
      const i = checkId("events.emit", id);
      let retainMs: number | null = null;
      const last = args.length > 0 ? args[args.length - 1] : undefined;
      if (isEmitOptions(last)) {
        retainMs = checkMs("events.emit", "retainMs", last.retainMs);
        const rest: unknown[] = [];
        for (let k = 0; k < args.length - 1; k++) push(rest, args[k]);
        args = rest;
      }
      const json = stringify(args) as string;
      if (json.length > EventsLimits.maxArgsChars) {
        throw new RangeErrorCtor("events.emit: the args are " + json.length + " characters of JSON (limit " + EventsLimits.maxArgsChars + "); send less, or a key to look the data up by");
      }
      // Whether the id was a number: server-events' frame (compatibility mode) carries it as one.
      const p = awaitable(kernel.promise(EventsOps.emit, [n, i, json, retainMs, typeof id === "number"]));
      return awaitable(
        (async () => {
          try {
            await p;
          } catch (e) {
            throw scriptError(e);
          }
        })(),
      ) as Promise<void>;
    } catch (e) {
      return rejected(e);
    }
  };

  exports["on"] = function on(name: unknown, id: unknown, ms?: unknown): Promise<unknown[]> {
    try {
      const n = checkName("events.on", name);
      const i = checkId("events.on", id);
      const wait = ms === undefined || ms === null ? timeoutMs : checkMs("events.on", "timeoutMs", ms);
      if (waiting >= EventsLimits.maxWaitersPerModule) {
        throw new RangeErrorCtor(
          "events.on: this module already waits for " + waiting + " events (limit " + EventsLimits.maxWaitersPerModule + "); let some settle or time out first",
        );
      }
      const p = awaitable(kernel.promise(EventsOps.on, [n, i, wait]));
      waiting++;
      return awaitable(
        (async () => {
          let json: unknown;
          try {
            json = await p;
          } catch (e) {
            throw scriptError(e);
          } finally {
            waiting--;
          }
          const args = parse(StringCtor(json));
          return kernel.builtins.isArray(args) ? args : [];
        })(),
      ) as Promise<unknown[]>;
    } catch (e) {
      return rejected(e);
    }
  };

  exports["getTimeout"] = function getTimeout(): number {
    return timeoutMs;
  };

  exports["setTimeout"] = function setTimeout(ms: unknown): void {
    timeoutMs = checkMs("events.setTimeout", "ms", ms);
  };

  // ---- ready and error ----------------------------------------------------------
  const readyFns: { fn: () => unknown; ran: number }[] = [];
  const errorFns: ((store: string, error: string) => unknown)[] = [];
  let watching = false;
  /** Asks the host for ready and error events, once per context. */
  function watch(): void {
    if (watching) return;
    watching = true;
    kernel.post(EventsOps.watch, []);
  }

  exports["onready"] = function onready(fn: unknown): void {
    if (typeof fn !== "function") throw new TypeErrorCtor("events.onready(fn): fn must be a function");
    push(readyFns, { fn: fn as () => unknown, ran: 0 });
    // The host answers with a ready event when the engine is ready now: the new callback runs then.
    watching = false;
    watch();
  };

  exports["onerror"] = function onerror(fn: unknown): void {
    if (typeof fn !== "function") throw new TypeErrorCtor("events.onerror(fn): fn must be a function");
    push(errorFns, fn as (store: string, error: string) => unknown);
    watch();
  };

  exports["TimeoutError"] = TimeoutError;

  function run(hook: string, ev: GuestEvent, fn: unknown, args: unknown[]): void {
    try {
      apply(fn as () => unknown, undefined, args);
    } catch (e) {
      kernel.fault(hook, ev, undefined, e);
    }
  }

  // Each callback runs once per time the engine became ready (ev.code counts them).
  kernel.onEvent(EventsKinds.ready, (ev) => {
    for (let i = 0; i < readyFns.length; i++) {
      const entry = readyFns[i]!;
      if (entry.ran >= ev.code) continue;
      entry.ran = ev.code;
      run("onready callback", ev, entry.fn, []);
    }
  });
  kernel.onEvent(EventsKinds.error, (ev) => {
    let store = "outputStore";
    let message = "";
    try {
      const parsed = parse(StringCtor(ev.payload)) as unknown[];
      store = StringCtor(parsed[0]);
      message = StringCtor(parsed[1]);
    } catch (_) {
      // the host's payload; keep the defaults
    }
    for (let i = 0; i < errorFns.length; i++) run("onerror callback", ev, errorFns[i], [store, message]);
  });
  freeze(exports);
}
