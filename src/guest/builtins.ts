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
const arrayBufferSlice = ArrayBuffer.prototype.slice;
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

/** A copy of bytes, as a fresh ArrayBuffer the script cannot reach. */
export function copyBytes(buffer: ArrayBuffer, offset: number, length: number): ArrayBuffer {
  return apply(arrayBufferSlice, buffer, [offset, offset + length]) as ArrayBuffer;
}

/**
 * Appends to an array as an own data property: Array.prototype.push would run
 * a setter a script defined on Array.prototype for that index.
 */
export function push<T>(list: T[], value: T): void {
  defineProperty(list, list.length, { value, writable: true, enumerable: true, configurable: true });
}

/** Calls `fn` in a later microtask of the same checkpoint. */
export function later(fn: () => void): void {
  apply(promiseThen, apply(promiseResolve, PromiseCtor, []), [fn]);
}

/** `value.then(onValue, onError)` through the captured Promise.prototype.then, for native promises. */
export function thenOf(value: Promise<unknown>, onValue: (v: unknown) => void, onError: (e: unknown) => void): void {
  apply(promiseThen, value, [onValue, onError]);
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
