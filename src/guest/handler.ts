import { apply, g, defineProperty, isObjectLike, push, safeMap, StringCtor, TypeErrorCtor } from "./builtins.js";
import type { Kernel } from "./kernel.js";

/**
 * The handler module's exports and the runtime modules it may require.
 * Runtime modules come from capabilities (net/v4/websockets, ...): each is a
 * factory run on first require, with the kernel, never visible to user code.
 */
export type RuntimeModuleFactory = (exports: Record<string, unknown>, kernel: Kernel) => void;

const factories = safeMap<string, (exports: Record<string, unknown>) => void>();
const loaded = safeMap<string, Record<string, unknown>>();
/** Alias → the module it names. */
const aliases = safeMap<string, string>();
/** Namespace module → its members' names and the modules they are. */
const namespaces = safeMap<string, [string, string][]>();
/** Member module → the module it is an export of, and that export's name. */
const memberModules = safeMap<string, [string, string]>();
let moduleNames = "";
let handler: Record<string, unknown> | null = null;
/** For a module that exports no hooks: runs its top level again (see installCjs). */
let topLevel: (() => unknown) | null = null;
let hookNames: string[] = [];

export function initModules(hooks: string[]): void {
  hookNames = hooks;
  defineProperty(g, "require", { value: requireModule, writable: true, configurable: true });
}

export function defineRuntimeModule(name: string, factory: (exports: Record<string, unknown>) => void): void {
  factories.set(name, factory);
  moduleNames += (moduleNames ? ", " : "") + name;
}

/** `alias` requires the same module (the same exports) as `target`. */
export function defineModuleAlias(alias: string, target: string): void {
  aliases.set(alias, target);
  moduleNames += ", " + alias;
}

/** Namespace module `namespace` exports module `target` as `name`. */
export function defineNamespaceMember(namespace: string, name: string, target: string): void {
  let members = namespaces.get(namespace);
  if (!members) {
    namespaces.set(namespace, (members = []));
    moduleNames += ", " + namespace;
  }
  push(members, [name, target]);
}

/** Module `name` is the export `member` of module `target` ("http/v4/request" is sdk/http's `request`). */
export function defineMemberModule(name: string, target: string, member: string): void {
  memberModules.set(name, [target, member]);
  moduleNames += ", " + name;
}

export function requireModule(name: unknown): Record<string, unknown> {
  const asked = StringCtor(name);
  const key = aliases.get(asked) ?? asked;
  const existing = loaded.get(key);
  if (existing) return existing;
  const members = namespaces.get(key);
  if (members) {
    const exports: Record<string, unknown> = {};
    loaded.set(key, exports);
    for (let i = 0; i < members.length; i++) exports[members[i]![0]] = requireModule(members[i]![1]);
    return exports;
  }
  const memberOf = memberModules.get(key);
  if (memberOf) {
    const member = requireModule(memberOf[0])[memberOf[1]] as Record<string, unknown>;
    loaded.set(key, member);
    return member;
  }
  const factory = factories.get(key);
  if (!factory) {
    throw new TypeErrorCtor(
      'Cannot require "' + key + '": handler scripts can only require the runtime modules (' + moduleNames + ").",
    );
  }
  const exports: Record<string, unknown> = {};
  loaded.set(key, exports);
  factory(exports);
  return exports;
}

/**
 * Runs a CommonJS wrapper `(exports, require, module, __filename, __dirname)`
 * and keeps what it exports. A module that exports none of the hooks is
 * written the Dirigible way (top-level code that asks getMethod() or
 * isOnMessage()): like Dirigible, every event runs its top level again, with
 * fresh `exports` and `module`, in that event's context. A script service
 * (`onDemand`) is always such a module, and its top level does not run at
 * load: only when a request comes.
 */
export function installCjs(fn: (...args: unknown[]) => unknown, filename: string, dirname: string, onDemand = false): void {
  const run = () => {
    const module = { exports: {} as unknown };
    apply(fn, module.exports, [module.exports, requireModule, module, filename, dirname]);
    return module.exports;
  };
  if (onDemand) {
    handler = {};
    topLevel = () => void run();
    return;
  }
  handler = pickHandler(run());
  topLevel = hasHooks(handler) ? null : () => void run();
}

function hasHooks(exportsObject: Record<string, unknown>): boolean {
  for (let i = 0; i < hookNames.length; i++) {
    if (typeof exportsObject[hookNames[i]!] === "function") return true;
  }
  return false;
}

/** What an event runs when the handler has no function for its hook: the module's top level, or nothing. */
export function topLevelRunner(): (() => unknown) | undefined {
  return topLevel ?? undefined;
}

/** The object whose hooks run: the exports, or their `default` when only that holds hooks. */
function pickHandler(exportsObject: unknown): Record<string, unknown> {
  if (!isObjectLike(exportsObject)) return {};
  const e = exportsObject as Record<string, unknown>;
  if (hasHooks(e)) return e;
  const fallback = e["default"];
  if (fallback && typeof fallback === "object") return fallback as Record<string, unknown>;
  return e;
}

/** The names of the hooks the handler exports, comma-separated (the host asks once per load). */
export function exportedHooks(): string {
  let names = "";
  for (let i = 0; i < hookNames.length; i++) {
    if (hookOf(hookNames[i]!)) names += (names ? "," : "") + hookNames[i]!;
  }
  return names;
}

/** The handler's function named `hook`, if it has one. */
export function hookOf(hook: string): ((...args: unknown[]) => unknown) | undefined {
  const fn = handler ? handler[hook] : undefined;
  return typeof fn === "function" ? (fn as (...args: unknown[]) => unknown) : undefined;
}

export function callHook(fn: (...args: unknown[]) => unknown, args: unknown[]): unknown {
  return apply(fn, handler, args);
}
