/**
 * Built-ins the web globals use, captured when the guest bundle runs, before
 * any user code: a script that later replaces String.prototype.charCodeAt,
 * Uint8Array.prototype.set or Symbol.iterator changes nothing these do.
 */
const R = Reflect.apply;
const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as object;
const getter = (proto: object, key: PropertyKey) => Object.getOwnPropertyDescriptor(proto, key)!.get!;

export const apply = R;
export const defineProperty = Object.defineProperty;
export const freeze = Object.freeze;
export const ObjectCtor = Object;
export const create = Object.create;
export const keys = Object.keys;
export const getPrototypeOf = Object.getPrototypeOf;
export const isArray = Array.isArray;
export const Uint8ArrayCtor = Uint8Array;
export const ArrayBufferCtor = ArrayBuffer;
export const StringCtor = String;
export const NumberCtor = Number;
export const TypeErrorCtor = TypeError;
export const RangeErrorCtor = RangeError;
export const SyntaxErrorCtor = SyntaxError;
export const ErrorCtor = Error;
export const PromiseCtor = Promise;
export const WeakMapCtor = WeakMap;
export const MathFloor = Math.floor;
export const iteratorSymbol: typeof Symbol.iterator = Symbol.iterator;
export const toStringTagSymbol: typeof Symbol.toStringTag = Symbol.toStringTag;
export const fromCharCode = String.fromCharCode;
export const parseJson = JSON.parse;

const charCodeAtFn = String.prototype.charCodeAt;
const codePointAtFn = String.prototype.codePointAt;
const toLowerCaseFn = String.prototype.toLowerCase;
const toUpperCaseFn = String.prototype.toUpperCase;
const sliceFn = String.prototype.slice;
const indexOfFn = String.prototype.indexOf;
const testFn = RegExp.prototype.test;
const setFn = (TypedArrayProto as { set: Uint8Array["set"] }).set;
const subarrayFn = (TypedArrayProto as { subarray: Uint8Array["subarray"] }).subarray;
const taBuffer = getter(TypedArrayProto, "buffer");
const taByteOffset = getter(TypedArrayProto, "byteOffset");
const taByteLength = getter(TypedArrayProto, "byteLength");
const taTag = getter(TypedArrayProto, Symbol.toStringTag);
const dvBuffer = getter(DataView.prototype, "buffer");
const dvByteOffset = getter(DataView.prototype, "byteOffset");
const dvByteLength = getter(DataView.prototype, "byteLength");
const abByteLength = getter(ArrayBuffer.prototype, "byteLength");

export const charCodeAt = (s: string, i: number) => R(charCodeAtFn, s, [i]) as number;
export const codePointAt = (s: string, i: number) => R(codePointAtFn, s, [i]) as number;
export const lower = (s: string) => R(toLowerCaseFn, s, []) as string;
export const upper = (s: string) => R(toUpperCaseFn, s, []) as string;
export const slice = (s: string, a: number, b?: number) => R(sliceFn, s, [a, b]) as string;
export const indexOf = (s: string, search: string, from = 0) => R(indexOfFn, s, [search, from]) as number;
export const test = (re: RegExp, s: string) => R(testFn, re, [s]) as boolean;

/** Appends as an own data property (Array.prototype setters never run). */
export function push<T>(list: T[], value: T): void {
  defineProperty(list, list.length, { value, writable: true, enumerable: true, configurable: true });
}

/** The constructor name of a typed array ("Uint8Array", ...), or undefined for anything else. */
export function typedArrayName(value: unknown): string | undefined {
  return R(taTag, value, []) as string | undefined;
}

/** The byte length of an ArrayBuffer, or -1 when `value` is not one. */
export function arrayBufferLength(value: unknown): number {
  try {
    return R(abByteLength, value, []) as number;
  } catch (_) {
    return -1;
  }
}

/** Whether `value` is a DataView. */
export function isDataView(value: unknown): boolean {
  try {
    R(dvByteLength, value, []);
    return true;
  } catch (_) {
    return false;
  }
}

/** The buffer, offset and length in bytes of a typed array or DataView; undefined for anything else. */
export function viewParts(value: unknown): { buffer: ArrayBuffer; byteOffset: number; byteLength: number } | undefined {
  if (typedArrayName(value) !== undefined) {
    return { buffer: R(taBuffer, value, []) as ArrayBuffer, byteOffset: R(taByteOffset, value, []) as number, byteLength: R(taByteLength, value, []) as number };
  }
  if (isDataView(value)) {
    return { buffer: R(dvBuffer, value, []) as ArrayBuffer, byteOffset: R(dvByteOffset, value, []) as number, byteLength: R(dvByteLength, value, []) as number };
  }
  return undefined;
}

/** The bytes a typed array or DataView views, as a Uint8Array over the same memory; undefined for anything else. */
export function viewBytes(value: unknown): Uint8Array | undefined {
  if (typedArrayName(value) !== undefined) {
    return new Uint8ArrayCtor(R(taBuffer, value, []) as ArrayBuffer, R(taByteOffset, value, []) as number, R(taByteLength, value, []) as number);
  }
  if (isDataView(value)) {
    return new Uint8ArrayCtor(R(dvBuffer, value, []) as ArrayBuffer, R(dvByteOffset, value, []) as number, R(dvByteLength, value, []) as number);
  }
  return undefined;
}

/** Copies `source` into `target` at `offset`. */
export function setBytes(target: Uint8Array, source: Uint8Array, offset = 0): void {
  R(setFn, target, [source, offset]);
}

export function subarray(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return R(subarrayFn, bytes, [start, end]) as Uint8Array;
}

/** A fresh copy of a BufferSource's bytes (ArrayBuffer, typed array or DataView); undefined for anything else. */
export function copyOf(value: unknown): Uint8Array | undefined {
  const length = arrayBufferLength(value);
  const view = length >= 0 ? new Uint8ArrayCtor(value as ArrayBuffer) : viewBytes(value);
  if (!view) return undefined;
  const copy = new Uint8ArrayCtor(view.length);
  setBytes(copy, view);
  return copy;
}

/** The ArrayBuffer of a fresh Uint8Array (it spans it whole). */
export function bufferOf(bytes: Uint8Array): ArrayBuffer {
  return R(taBuffer, bytes, []) as ArrayBuffer;
}
