import {
  ArrayBufferCtor,
  construct,
  defineProperty,
  ErrorCtor,
  g,
  getOwnPropertyDescriptor,
  getOwnPropertyNames,
  getOwnPropertySymbols,
  getPrototypeOf,
  hasOwn,
  setPrototypeOf,
  TypeErrorCtor,
} from "./builtins.js";

/**
 * Takes from the context what a handler script must not have. Runs before any
 * user code.
 *
 * - Globals that V8 flags of the host process add (`gc` with --expose-gc).
 * - Features whose code V8 runs on its own schedule, outside any timed call
 *   (finalization callbacks, Atomics.waitAsync, WebAssembly's async
 *   compiles), or whose memory lies outside the isolate's limit (WebAssembly
 *   memories, resizable and growable buffers).
 * - Script-defined stack formatting: a stack is formatted when first read,
 *   possibly by the host outside a timed call.
 */
export function lockdown(): void {
  for (const name of ["gc", "version", "print", "quit", "readline", "load", "os", "WebAssembly", "FinalizationRegistry"]) {
    if (!hasOwn(g, name)) continue;
    try {
      delete g[name];
    } catch (_) {
      g[name] = undefined;
    }
    // Some (gc) cannot be deleted, only overwritten.
    if (hasOwn(g, name)) g[name] = undefined;
  }
  const atomics = g["Atomics"] as Record<string, unknown> | undefined;
  if (atomics) delete atomics["waitAsync"];
  defineProperty(ErrorCtor, "prepareStackTrace", { value: undefined, writable: false, configurable: false });
  fixedLengthOnly("ArrayBuffer", ArrayBufferCtor);
  if (typeof g["SharedArrayBuffer"] === "function") fixedLengthOnly("SharedArrayBuffer", g["SharedArrayBuffer"] as ArrayBufferConstructor);
}

/** Replaces a buffer constructor with one that refuses `maxByteLength`. */
function fixedLengthOnly(name: string, Original: ArrayBufferConstructor): void {
  const Fixed = function (this: unknown, length: unknown, options?: unknown) {
    if (new.target === undefined) throw new TypeErrorCtor("Constructor " + name + " requires 'new'");
    if (options !== undefined) {
      throw new TypeErrorCtor(
        name +
          ": resizable and growable buffers are not available in handler scripts (their memory is outside the " +
          "sandbox's limit). Allocate a fixed-length buffer: new " +
          name +
          "(length).",
      );
    }
    return construct(Original, [length], new.target === Fixed ? Original : new.target);
  };
  const statics: (string | symbol)[] = [...getOwnPropertyNames(Original), ...getOwnPropertySymbols(Original)];
  for (const key of statics) {
    if (key === "prototype" || key === "length" || key === "name") continue;
    defineProperty(Fixed, key, getOwnPropertyDescriptor(Original, key)!);
  }
  defineProperty(Fixed, "name", { value: name });
  defineProperty(Fixed, "length", { value: 1 });
  defineProperty(Fixed, "prototype", { value: Original.prototype, writable: false });
  setPrototypeOf(Fixed, getPrototypeOf(Original));
  const proto = Original.prototype as unknown as Record<string, unknown>;
  defineProperty(proto, "constructor", { value: Fixed, writable: true, configurable: true });
  delete proto["resize"];
  delete proto["grow"];
  defineProperty(g, name, { value: Fixed, writable: true, configurable: true });
}
