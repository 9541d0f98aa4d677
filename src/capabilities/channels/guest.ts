/**
 * net/v4/channels inside the sandbox: publish to channels across nodes, read
 * presence and history, listen to channels from the server side, and the
 * members socketcluster connections gain (authToken, setAuthToken, invoke,
 * transmit, subscribe, kickOut, ...). Types and docs: channels.d.ts.
 */
import type { Kernel } from "../../guest/kernel.js";
import { ChannelsKinds, ChannelsLimits, ChannelsOps } from "./ops-names.js";

export default function channels(exports: Record<string, unknown>, kernel: Kernel): void {
  const { freeze, StringCtor, TypeErrorCtor, RangeErrorCtor, ErrorCtor, PromiseCtor, isObjectLike, isArray, keys, parse, stringify, defineProperty, push, setPrototypeOf, awaitable } =
    kernel.builtins;

  function checkName(api: string, what: string, value: unknown): string {
    if (typeof value !== "string" || value === "" || value.length > ChannelsLimits.maxNameChars) {
      throw new TypeErrorCtor(api + ": " + what + " must be a non-empty string of at most " + ChannelsLimits.maxNameChars + " characters");
    }
    if (value[0] === "#") throw new TypeErrorCtor(api + ": " + what + ' must not start with "#" (such names belong to the protocol)');
    return value;
  }

  /** JSON text of a value a script sends; a TypeError when it is not JSON, a RangeError when too long. */
  function dataJson(api: string, value: unknown): string {
    let json: string | undefined;
    try {
      json = stringify(value === undefined ? null : value) as string | undefined;
    } catch (e) {
      throw new TypeErrorCtor(api + ": the data must be a JSON value (" + StringCtor((e as Error).message) + ")");
    }
    if (typeof json !== "string") throw new TypeErrorCtor(api + ": the data must be a JSON value");
    if (json.length > ChannelsLimits.maxDataChars) throw new RangeErrorCtor(api + ": the data is over " + ChannelsLimits.maxDataChars + " characters of JSON; send less");
    return json;
  }

  function idOf(value: unknown): string {
    return isObjectLike(value) ? StringCtor((value as { id?: unknown }).id) : StringCtor(value);
  }

  // ---- ChannelError -------------------------------------------------------------
  /** An error a hook throws so the client sees this name, message and fields (SocketCluster clients check error.name). */
  function ChannelError(this: unknown, name: unknown, message: unknown, fields?: unknown): Error {
    const error = new ErrorCtor(message === undefined ? "" : StringCtor(message)) as Error & Record<string, unknown>;
    setPrototypeOf(error, ChannelError.prototype);
    defineProperty(error, "name", { value: typeof name === "string" && name !== "" ? name : "ChannelError", enumerable: false, writable: true, configurable: true });
    if (isObjectLike(fields)) {
      const names = keys(fields);
      for (let i = 0; i < names.length; i++) {
        const k = names[i]!;
        if (k !== "name" && k !== "message" && k !== "stack" && k !== "__proto__") error[k] = (fields as Record<string, unknown>)[k];
      }
    }
    return error;
  }
  ChannelError.prototype = Object.create(ErrorCtor.prototype, {
    constructor: { value: ChannelError, writable: true, configurable: true },
    name: { value: "ChannelError", writable: true, configurable: true },
  });
  exports["ChannelError"] = ChannelError;

  // ---- the module's functions ---------------------------------------------------
  exports["publish"] = function publish(channel: unknown, data?: unknown, options?: unknown) {
    const c = checkName("publish(channel, data)", "channel", channel);
    const json = dataJson("publish(channel, data)", data);
    const except: string[] = [];
    if (isObjectLike(options) && (options as { except?: unknown }).except !== undefined) {
      const raw = (options as { except?: unknown }).except;
      const list = isArray(raw) ? raw : [raw];
      for (let i = 0; i < list.length; i++) push(except, idOf(list[i]));
    }
    const p = awaitable(kernel.promise(ChannelsOps.publish, [c, json, except]));
    // A publish nobody awaits must not become an unhandled rejection; one that is awaited still rejects.
    handled(p);
    return p;
  };

  exports["subscribers"] = function subscribers(channel: unknown) {
    const ids = kernel.call(ChannelsOps.subscribers, [checkName("subscribers(channel)", "channel", channel)]);
    return isArray(ids) ? freeze(ids) : freeze([]);
  };

  exports["presence"] = function presence(channel: unknown) {
    return awaitable(kernel.promise(ChannelsOps.presence, [checkName("presence(channel)", "channel", channel)]));
  };

  exports["history"] = function history(channel: unknown, since?: unknown, limit?: unknown) {
    const c = checkName("history(channel, since, limit)", "channel", channel);
    let epoch: string | null = null;
    let offset: number | null = null;
    if (since !== undefined && since !== null) {
      const s = since as { epoch?: unknown; offset?: unknown };
      if (!isObjectLike(since) || typeof s.epoch !== "string" || typeof s.offset !== "number") {
        throw new TypeErrorCtor("history(channel, since): since must be { epoch, offset } as a publication or an earlier history() gave");
      }
      epoch = s.epoch;
      offset = s.offset;
    }
    if (limit !== undefined && (typeof limit !== "number" || !(limit >= 1))) throw new RangeErrorCtor("history(channel, since, limit): limit must be a number of at least 1");
    return awaitable(kernel.promise(ChannelsOps.history, [c, epoch, offset, limit === undefined ? null : limit]));
  };

  /** Channels this module listens to (the host drops them all when the module reloads, as this context goes). */
  const listening = kernel.builtins.safeMap<string, true>();

  exports["listen"] = function listen(channel: unknown) {
    const c = checkName("listen(channel)", "channel", channel);
    if (listening.has(c)) return;
    if (listening.size() >= ChannelsLimits.maxListens) {
      throw new RangeErrorCtor("listen(channel): this module listens to " + ChannelsLimits.maxListens + " channels already; unlisten() some first");
    }
    kernel.post(ChannelsOps.listen, [c]);
    listening.set(c, true);
  };

  exports["unlisten"] = function unlisten(channel: unknown) {
    const c = checkName("unlisten(channel)", "channel", channel);
    if (!listening.has(c)) return;
    kernel.post(ChannelsOps.unlisten, [c]);
    listening.delete(c);
  };

  /** Marks a promise as handled (with the built-in then), so dropping it is not an unhandled rejection. */
  function handled(p: Promise<unknown>): void {
    kernel.builtins.apply(promiseThen, p, [undefined, () => undefined]);
  }
  const promiseThen = PromiseCtor.prototype.then;

  // ---- members of socketcluster connections -------------------------------------
  kernel.extendPeers("session", (fields, id) => {
    defineProperty(fields, "authToken", {
      get: function authToken() {
        const token = kernel.call(ChannelsOps.authToken, [id]);
        return isObjectLike(token) ? freeze(token) : null;
      },
      enumerable: false,
    });
    defineProperty(fields, "subscriptions", {
      get: function subscriptions() {
        const list = kernel.call(ChannelsOps.subscriptions, [id]);
        return freeze(isArray(list) ? list : []);
      },
      enumerable: false,
    });
    const member = (name: string, fn: (...args: unknown[]) => unknown) => defineProperty(fields, name, { value: fn, enumerable: false });
    member("setAuthToken", function setAuthToken(payload?: unknown, options?: unknown) {
      if (!isObjectLike(payload) || isArray(payload)) throw new TypeErrorCtor('connection.setAuthToken(payload): payload must be an object such as { user: "ann" }');
      let expiresIn: number | null = null;
      if (options !== undefined) {
        const e = isObjectLike(options) ? (options as { expiresIn?: unknown }).expiresIn : undefined;
        if (e !== undefined && (typeof e !== "number" || !(e > 0))) throw new RangeErrorCtor("connection.setAuthToken(payload, { expiresIn }): expiresIn must be a number of seconds above 0");
        if (typeof e === "number") expiresIn = e;
      }
      const p = awaitable(kernel.promise(ChannelsOps.setAuthToken, [id, dataJson("connection.setAuthToken(payload)", payload), expiresIn]));
      handled(p);
      return p;
    });
    member("deauthenticate", function deauthenticate() {
      kernel.post(ChannelsOps.deauthenticate, [id]);
    });
    member("invoke", function invoke(procedure: unknown, data?: unknown, options?: unknown) {
      const name = checkName("connection.invoke(procedure, data)", "procedure", procedure);
      let ms: number | null = null;
      const t = isObjectLike(options) ? (options as { ackTimeoutMs?: unknown }).ackTimeoutMs : undefined;
      if (t !== undefined) {
        if (typeof t !== "number" || !(t > 0)) throw new RangeErrorCtor("connection.invoke(procedure, data, { ackTimeoutMs }): ackTimeoutMs must be a number of ms above 0");
        ms = t;
      }
      return awaitable(kernel.promise(ChannelsOps.invoke, [id, name, dataJson("connection.invoke(procedure, data)", data), ms]));
    });
    member("transmit", function transmit(receiver: unknown, data?: unknown) {
      kernel.post(ChannelsOps.transmit, [id, checkName("connection.transmit(receiver, data)", "receiver", receiver), dataJson("connection.transmit(receiver, data)", data)]);
    });
    member("subscribe", function subscribe(channel: unknown) {
      kernel.call(ChannelsOps.subscribe, [id, checkName("connection.subscribe(channel)", "channel", channel)]);
    });
    member("kickOut", function kickOut(channel: unknown, message?: unknown) {
      kernel.post(ChannelsOps.kickOut, [id, checkName("connection.kickOut(channel, message)", "channel", channel), dataJson("connection.kickOut(channel, message)", message)]);
    });
  });

  // ---- publications on channels the module listens to ---------------------------
  const hookName = kernel.capability.events[ChannelsKinds.publication]!;
  kernel.onEvent(ChannelsKinds.publication, (ev) => {
    let value: { data?: unknown; offset?: unknown; epoch?: unknown };
    try {
      value = parse(StringCtor(ev.payload)) as typeof value;
    } catch (_) {
      return;
    }
    const meta = typeof value.offset === "number" ? freeze({ offset: value.offset, epoch: value.epoch }) : freeze({});
    kernel.runHook(hookName.hook, hookName.method, [ev.where, value.data ?? null, meta], ev, undefined, value.data);
  });
}
