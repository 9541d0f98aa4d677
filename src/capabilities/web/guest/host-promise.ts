import { domError } from "./dom-exception.js";
import { defineProperty, PromiseCtor, RangeErrorCtor, StringCtor, TypeErrorCtor } from "./prims.js";

/**
 * A host promise made safe to await: its own `constructor` is the real
 * Promise, so `await` takes it as it is and never calls a `then` or a species
 * a script put on Promise.prototype.
 */
export function awaitable<T>(p: Promise<unknown>): Promise<T> {
  defineProperty(p, "constructor", { value: PromiseCtor });
  return p as Promise<T>;
}

/** The host's error as the class browsers throw: TypeError, RangeError, or a DOMException by name. */
export function platformError(error: unknown): Error {
  const e = (error ?? {}) as { name?: unknown; message?: unknown };
  const name = StringCtor(e.name ?? "Error");
  const message = StringCtor(e.message ?? "");
  if (name === "TypeError") return new TypeErrorCtor(message);
  if (name === "RangeError") return new RangeErrorCtor(message);
  return domError(name === "Error" ? "OperationError" : name, message);
}
