/**
 * net/v4/monorail inside the sandbox: the resources a MonoRail endpoint's
 * handler registers, the hook through which the host asks them, and the
 * changes (item, remove, list, change) sent to watchers on every node.
 * Types and docs: monorail.d.ts.
 */
import type { Kernel } from "../../guest/kernel.js";
import { MONORAIL_FILTER_HOOK, MONORAIL_RESOURCE_HOOK, MonoRailErrors, MQ_RESOURCE } from "../../protocol/monorail.js";
import { MonoRailLimits, MonoRailOps } from "./ops-names.js";

type Fn = (...args: unknown[]) => unknown;

/** A resource as registered: its functions, each optional, and the object they are methods of. */
interface Resource {
  readonly def: object;
  readonly query: Fn | undefined;
  readonly all: Fn | undefined;
  readonly get: Fn | undefined;
  readonly watch: Fn | undefined;
  readonly filter: Fn | undefined;
}

const MEMBERS = ["query", "all", "get", "watch", "filter"] as const;

export default function monorail(exports: Record<string, unknown>, kernel: Kernel): void {
  const { StringCtor, TypeErrorCtor, RangeErrorCtor, ErrorCtor, isObjectLike, isArray, stringify, defineProperty, apply, safeMap } = kernel.builtins;
  const resources = safeMap<string, Resource>();

  function named(name: string, message: string): Error {
    const error = new ErrorCtor(message);
    defineProperty(error, "name", { value: name, enumerable: false, writable: true, configurable: true });
    return error;
  }

  function checkName(api: string, value: unknown): string {
    if (typeof value !== "string" || value === "" || value.length > MonoRailLimits.maxNameChars) {
      throw new TypeErrorCtor(api + ": the resource must be a non-empty string of at most " + MonoRailLimits.maxNameChars + " characters");
    }
    return value;
  }

  function post(api: string, resource: string, handler: string, fields: Record<string, unknown>): void {
    let json: string | undefined;
    try {
      json = stringify(fields) as string | undefined;
    } catch (e) {
      throw new TypeErrorCtor(api + ": the id and data must be JSON values (" + StringCtor((e as Error).message) + ")");
    }
    if (typeof json !== "string") throw new TypeErrorCtor(api + ": the id and data must be JSON values");
    if (json.length > MonoRailLimits.maxDataChars) throw new RangeErrorCtor(api + ": the change is over " + MonoRailLimits.maxDataChars + " characters of JSON; send less");
    kernel.post(MonoRailOps.publish, [resource, handler, json]);
  }

  const json = (value: unknown) => (value === undefined ? null : value);

  // ---- the module's functions ---------------------------------------------------
  exports["resource"] = function resource(name: unknown, def: unknown) {
    const n = checkName("resource(name, def)", name);
    if (n === MQ_RESOURCE) throw new TypeErrorCtor('resource(name, def): "mq" is the built-in RabbitMQ resource (the descriptor\'s monorail.mq); choose another name');
    if (!isObjectLike(def)) throw new TypeErrorCtor("resource(name, def): def must be an object such as { query(params, c) { ... }, get(params, c) { ... } }");
    const picked: Record<string, unknown> = {};
    for (let i = 0; i < MEMBERS.length; i++) {
      const m = MEMBERS[i]!;
      const fn = (def as Record<string, unknown>)[m];
      if (fn !== undefined && typeof fn !== "function") throw new TypeErrorCtor("resource(name, def): def." + m + " must be a function");
      picked[m] = fn;
    }
    picked["def"] = def;
    resources.set(n, picked as unknown as Resource);
  };

  exports["item"] = function item(resource: unknown, id: unknown, data?: unknown) {
    post("item(resource, id, data)", checkName("item(resource, id, data)", resource), "item", { id: json(id), data: json(data) });
  };

  exports["remove"] = function remove(resource: unknown, id: unknown, data?: unknown) {
    post("remove(resource, id, data)", checkName("remove(resource, id, data)", resource), "remove", { id: json(id), data: json(data) });
  };

  exports["list"] = function list(resource: unknown, items: unknown) {
    if (!isArray(items)) throw new TypeErrorCtor("list(resource, items): items must be an array");
    post("list(resource, items)", checkName("list(resource, items)", resource), "list", { items });
  };

  exports["change"] = function change(resource: unknown, event: unknown, id: unknown, record?: unknown) {
    const api = "change(resource, event, id, record)";
    const r = checkName(api, resource);
    if (typeof event !== "string" || event === "") throw new TypeErrorCtor(api + ': event must be a string such as "created", "updated" or "destroyed"');
    if (event === "destroyed") post(api, r, "remove", { id: json(id), data: json(record) });
    else post(api, r, "item", { id: [event, json(id)], data: json(record) });
  };

  // ---- what the host asks -------------------------------------------------------
  function resourceOf(name: unknown): Resource {
    const r = typeof name === "string" ? resources.get(name) : undefined;
    if (!r && name === MQ_RESOURCE) {
      throw named(MonoRailErrors.unknownResource, 'no resource "mq" here: "mq" is the built-in RabbitMQ resource, which answers watch only, on an endpoint whose descriptor has "monorail": {"mq": {"connection": ..., "exchanges": [...]}}');
    }
    if (!r) throw named(MonoRailErrors.unknownResource, "no resource " + stringify(StringCtor(name)) + " here: the handler registers it with resource(name, def)");
    return r;
  }

  function unsupported(handler: string, resource: string, member: string): Error {
    return named(MonoRailErrors.unsupported, "resource " + stringify(resource) + " does not answer " + handler + ": it has no " + member + "() function");
  }

  /** [handler, resource, params] and the connection: what the resource's function answers (a value or a Promise). */
  kernel.provideHook(MONORAIL_RESOURCE_HOOK, function ask(handler: unknown, name: unknown, params: unknown, c: unknown) {
    const r = resourceOf(name);
    const n = name as string;
    if (handler === "query") {
      if (r.query) return apply(r.query, r.def, [params, c]);
      if (r.all) return apply(r.all, r.def, [c]);
      throw unsupported("query", n, "query");
    }
    if (handler === "all") {
      if (r.all) return apply(r.all, r.def, [c]);
      if (r.query) return apply(r.query, r.def, [{}, c]);
      throw unsupported("all", n, "all");
    }
    if (handler === "get") {
      if (!r.get) throw unsupported("get", n, "get");
      return apply(r.get, r.def, [params, c]);
    }
    if (handler === "watch") {
      const filter = r.filter !== undefined;
      const initial = r.watch ? apply(r.watch, r.def, [params, c]) : undefined;
      // The host learns whether to ask filter() for this watcher, and the initial list if watch() gave one.
      if (isObjectLike(initial) && typeof (initial as { then?: unknown }).then === "function") {
        return (initial as Promise<unknown>).then((items) => ({ filter, items: json(items) }));
      }
      return { filter, items: json(initial) };
    }
    throw named(MonoRailErrors.unknownHandler, "no handler " + StringCtor(handler));
  });

  /** [resource, [params, ...], change]: for each watcher's params, whether the change goes to it. */
  kernel.provideHook(MONORAIL_FILTER_HOOK, function filter(name: unknown, list: unknown, change: unknown) {
    const r = resourceOf(name);
    const out: boolean[] = [];
    const all = isArray(list) ? list : [];
    for (let i = 0; i < all.length; i++) {
      let pass = true;
      if (r.filter) {
        try {
          pass = apply(r.filter, r.def, [all[i], change]) ? true : false;
        } catch (_) {
          // A filter that throws keeps the change from that watcher.
          pass = false;
        }
      }
      kernel.builtins.push(out, pass);
    }
    return out;
  });
}
