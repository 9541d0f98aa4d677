/**
 * The built-ins guest code uses, captured when the context is made, before
 * any user code runs: a script may replace JSON, String, Array.prototype,
 * Map.prototype or Reflect afterwards and change nothing the runtime does.
 * Every guest module takes built-ins from here, never from the global scope.
 */
export const g = globalThis as unknown as Record<string, unknown>;
export const parse = JSON.parse;
export const stringify = JSON.stringify;
export const StringCtor = String;
export const apply = Reflect.apply;
export const construct = Reflect.construct;
export const defineProperty = Object.defineProperty;
export const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
export const getOwnPropertyNames = Object.getOwnPropertyNames;
export const getOwnPropertySymbols = Object.getOwnPropertySymbols;
export const getPrototypeOf = Object.getPrototypeOf;
export const setPrototypeOf = Object.setPrototypeOf;
export const hasOwn = Object.hasOwn;
export const keys = Object.keys;
export const freeze = Object.freeze;
export const isArray = Array.isArray;
export const now = Date.now;
export const TypeErrorCtor = TypeError;
export const RangeErrorCtor = RangeError;
export const ErrorCtor = Error;
export const ArrayBufferCtor = ArrayBuffer;
export const isView = ArrayBuffer.isView;
export const Uint8ArrayCtor = Uint8Array;
export const PromiseCtor = Promise;
 
const typedArraySet = Object.getPrototypeOf(Uint8Array.prototype).set as (this: Uint8Array, source: ArrayLike<number>, offset?: number) => void;
const stringIndexOf = String.prototype.indexOf;
const stringSlice = String.prototype.slice;
const promiseThen = Promise.prototype.then;
const promiseResolve = Promise.resolve;
const MapCtor = Map;
const mapGet = Map.prototype.get;
const mapSet = Map.prototype.set;
const mapHas = Map.prototype.has;
const mapDelete = Map.prototype.delete;
const mapSize = getOwnPropertyDescriptor(Map.prototype, "size")!.get!;

export function isArrayBuffer(value: unknown): value is ArrayBuffer {
  return value instanceof ArrayBufferCtor;
}

export function indexOf(text: string, search: string, from: number): number {
  return apply(stringIndexOf, text, [search, from]) as number;
}

export function slice(text: string, start: number, end?: number): string {
  return apply(stringSlice, text, [start, end]) as string;
}

/**
 * A copy of bytes, as a fresh ArrayBuffer the script cannot reach. Made with
 * the captured constructors, never ArrayBuffer.prototype.slice, whose species
 * lookup a script could point at a buffer of its own.
 */
export function copyBytes(buffer: ArrayBuffer, offset: number, length: number): ArrayBuffer {
  const copy = new ArrayBufferCtor(length);
  apply(typedArraySet, new Uint8ArrayCtor(copy), [new Uint8ArrayCtor(buffer, offset, length)]);
  return copy;
}

/**
 * Appends to an array as an own data property: Array.prototype.push would run
 * a setter a script defined on Array.prototype for that index.
 */
export function push<T>(list: T[], value: T): void {
  defineProperty(list, list.length, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * A host promise made safe to await: its own `constructor` is the real
 * Promise, so `await` takes it as it is and never calls a `then` or a species
 * a script put on Promise.prototype.
 */
export function awaitable<T>(p: Promise<T>): Promise<T> {
  defineProperty(p, "constructor", { value: PromiseCtor });
  return p;
}

/**
 * Calls `fn` in a later microtask of the same checkpoint. The promise gets an
 * own `constructor` of undefined, so `then` uses the built-in Promise and not
 * a species a script put on Promise.prototype.
 */
export function later(fn: () => void): void {
  const p = apply(promiseResolve, PromiseCtor, []) as Promise<void>;
  defineProperty(p, "constructor", { value: undefined });
  apply(promiseThen, p, [fn]);
}

/** A Map whose methods cannot be swapped out by user code. */
export interface SafeMap<K, V> {
  get(key: K): V | undefined;
  set(key: K, value: V): void;
  has(key: K): boolean;
  delete(key: K): boolean;
  size(): number;
}

export function safeMap<K, V>(): SafeMap<K, V> {
  const m = new MapCtor<K, V>();
  return {
    get: (k) => apply(mapGet, m, [k]) as V | undefined,
    set: (k, v) => void apply(mapSet, m, [k, v]),
    has: (k) => apply(mapHas, m, [k]) as boolean,
    delete: (k) => apply(mapDelete, m, [k]) as boolean,
    size: () => apply(mapSize, m, []) as number,
  };
}

/** Any object or function: something that may be a Promise (or a thenable). */
export function isObjectLike(value: unknown): value is object {
  return value !== null && (typeof value === "object" || typeof value === "function");
}
