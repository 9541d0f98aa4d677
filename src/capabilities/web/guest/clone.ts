import { domError } from "./dom-exception.js";
import { apply, arrayBufferLength, bufferOf, copyOf, defineProperty, isArray, keys, push, typedArrayName, viewParts } from "./prims.js";

/**
 * structuredClone(): the HTML structured clone of a value, with cycles and
 * shared references kept. Primitives, wrapper objects, Date, RegExp, Map, Set,
 * ArrayBuffer, typed arrays, DataView, Error and plain objects and arrays
 * are cloned; functions, symbols and other platform objects throw a
 * DataCloneError. Class instances come back as plain objects (own
 * enumerable properties), as in browsers.
 */
const MapCtor = Map;
const SetCtor = Set;
const DateCtor = Date;
const RegExpCtor = RegExp;
const DataViewCtor = DataView as unknown as AnyCtor;
type AnyCtor = new (...a: unknown[]) => unknown;
/** The typed array constructors by name, captured. */
const TYPED: Record<string, AnyCtor> = {};
for (const C of [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array]) {
  TYPED[C.name] = C as unknown as AnyCtor;
}
if (typeof (globalThis as Record<string, unknown>)["Float16Array"] === "function") TYPED["Float16Array"] = (globalThis as unknown as Record<string, AnyCtor>)["Float16Array"]!;
const dateValue = Date.prototype.getTime;
const regexpSource = Object.getOwnPropertyDescriptor(RegExp.prototype, "source")!.get!;
const regexpFlags = Object.getOwnPropertyDescriptor(RegExp.prototype, "flags")!.get!;
const mapSize = Object.getOwnPropertyDescriptor(Map.prototype, "size")!.get!;
const setSize = Object.getOwnPropertyDescriptor(Set.prototype, "size")!.get!;
const mapForEach = Map.prototype.forEach;
const mapSet = Map.prototype.set;
const mapGet = Map.prototype.get;
const mapHas = Map.prototype.has;
const setForEach = Set.prototype.forEach;
const setAdd = Set.prototype.add;
const booleanValue = Boolean.prototype.valueOf;
const numberValue = Number.prototype.valueOf;
const stringValue = String.prototype.valueOf;
const bigintValue = BigInt.prototype.valueOf;
const isError = (Error as unknown as { isError?: (v: unknown) => boolean }).isError;
const errorToString = Object.prototype.toString;
const hasOwn = Object.hasOwn;
const ObjectCtor = Object;
const BooleanCtor = Boolean;
const NumberCtor = Number;
const StringCtor = String;
const ERROR_TYPES: Record<string, ErrorConstructor> = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
};

/** Whether `fn` accepts `value` as its receiver (a brand check). */
function brand(fn: (...a: never[]) => unknown, value: unknown): boolean {
  try {
    apply(fn, value, []);
    return true;
  } catch (_) {
    return false;
  }
}

function isErrorObject(value: object): boolean {
  if (isError) return isError(value);
  return apply(errorToString, value, []) === "[object Error]";
}

export function structuredClone(value: unknown, options: unknown = undefined): unknown {
  if (arguments.length === 0) throw new TypeError("structuredClone: 1 argument required");
  const transfer = (options as { transfer?: unknown } | undefined)?.transfer;
  if (transfer !== undefined && !(isArray(transfer) && transfer.length === 0)) {
    throw domError("DataCloneError", "structuredClone: transferring is not supported in handler scripts; clone without options.transfer");
  }
  const memory = new MapCtor<object, unknown>();
  const seen = (v: object): boolean => apply(mapHas, memory, [v]) as boolean;
  const remember = <T>(v: object, copy: T): T => {
    apply(mapSet, memory, [v, copy]);
    return copy;
  };

  function clone(v: unknown): unknown {
    if (typeof v === "symbol") throw domError("DataCloneError", "structuredClone: " + StringCtor(v) + " could not be cloned");
    if (typeof v === "function") throw domError("DataCloneError", "structuredClone: a function (" + (v.name || "anonymous") + ") could not be cloned");
    if (v === null || typeof v !== "object") return v;
    if (seen(v)) return apply(mapGet, memory, [v]);
    if (brand(dateValue, v)) return remember(v, new DateCtor(apply(dateValue, v, []) as number));
    if (brand(regexpSource, v) && brand(regexpFlags, v)) {
      return remember(v, new RegExpCtor(apply(regexpSource, v, []) as string, apply(regexpFlags, v, []) as string));
    }
    if (brand(booleanValue, v)) return remember(v, ObjectCtor(apply(booleanValue, v, []) as boolean));
    if (brand(numberValue, v)) return remember(v, ObjectCtor(apply(numberValue, v, []) as number));
    if (brand(stringValue, v)) return remember(v, new StringCtor(apply(stringValue, v, []) as string));
    if (brand(bigintValue, v)) return remember(v, ObjectCtor(apply(bigintValue, v, []) as bigint));
    if (arrayBufferLength(v) >= 0) return remember(v, bufferOf(copyOf(v)!));
    const view = viewParts(v);
    if (view) {
      const typed = typedArrayName(v);
      const Ctor = typed === undefined ? DataViewCtor : TYPED[typed]!;
      const unit = typed === undefined ? 1 : (Ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
      return remember(v, new Ctor(clone(view.buffer) as ArrayBuffer, view.byteOffset, view.byteLength / unit));
    }
    if (brand(mapSize, v)) {
      const copy = remember(v, new MapCtor());
      const pairs: [unknown, unknown][] = [];
      apply(mapForEach, v, [(val: unknown, key: unknown) => push(pairs, [key, val])]);
      for (let i = 0; i < pairs.length; i++) apply(mapSet, copy, [clone(pairs[i]![0]), clone(pairs[i]![1])]);
      return copy;
    }
    if (brand(setSize, v)) {
      const copy = remember(v, new SetCtor());
      const items: unknown[] = [];
      apply(setForEach, v, [(val: unknown) => push(items, val)]);
      for (let i = 0; i < items.length; i++) apply(setAdd, copy, [clone(items[i])]);
      return copy;
    }
    if (isErrorObject(v)) {
      const e = v as Error;
      const name = StringCtor(e.name);
      const Ctor = hasOwn(ERROR_TYPES, name) ? ERROR_TYPES[name]! : Error;
      const copy = remember(v, new Ctor(e.message === undefined ? "" : StringCtor(e.message)));
      if (hasOwn(e, "cause")) defineProperty(copy, "cause", { value: clone(e.cause), writable: true, configurable: true });
      if (typeof e.stack === "string") defineProperty(copy, "stack", { value: e.stack, writable: true, configurable: true });
      return copy;
    }
    if (isArray(v)) {
      const copy = remember(v, [] as unknown[]);
      defineProperty(copy, "length", { value: v.length, writable: true });
      const names = keys(v);
      for (let i = 0; i < names.length; i++) defineProperty(copy, names[i]!, { value: clone(v[names[i]! as unknown as number]), writable: true, enumerable: true, configurable: true });
      return copy;
    }
    if (isPlatformObject(v)) {
      throw domError("DataCloneError", "structuredClone: " + apply(errorToString, v, []) + " could not be cloned");
    }
    const copy = remember(v, {} as Record<string, unknown>);
    const names = keys(v);
    for (let i = 0; i < names.length; i++) {
      defineProperty(copy, names[i]!, { value: clone((v as Record<string, unknown>)[names[i]!]), writable: true, enumerable: true, configurable: true });
    }
    return copy;
  }
  return clone(value);
}

const weakMapHas = WeakMap.prototype.has;
const weakSetHas = WeakSet.prototype.has;
const weakRefDeref = WeakRef.prototype.deref;
/** Objects with internal state that cannot be cloned: weak collections and references. */
function isPlatformObject(v: object): boolean {
  return brand(weakMapHas as never, v) || brand(weakSetHas as never, v) || brand(weakRefDeref, v);
}
