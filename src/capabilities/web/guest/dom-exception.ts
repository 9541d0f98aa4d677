import { defineProperty, ErrorCtor, StringCtor } from "./prims.js";

/** Legacy codes of the DOMException names the web globals throw. */
const CODES: Record<string, number> = {
  IndexSizeError: 1,
  InvalidCharacterError: 5,
  NotFoundError: 8,
  NotSupportedError: 9,
  InvalidStateError: 11,
  SyntaxError: 12,
  InvalidAccessError: 15,
  TypeMismatchError: 17,
  SecurityError: 18,
  NetworkError: 19,
  AbortError: 20,
  QuotaExceededError: 22,
  TimeoutError: 23,
  DataCloneError: 25,
};

/** DOMException as browsers have it: an Error with a `name` and a legacy `code`. */
export class DOMException extends ErrorCtor {
  readonly #name: string;
  constructor(message?: unknown, name?: unknown) {
    super(message === undefined ? "" : StringCtor(message));
    this.#name = name === undefined ? "Error" : StringCtor(name);
  }
  override get name(): string {
    return this.#name;
  }
  get code(): number {
    const code = CODES[this.#name];
    return typeof code === "number" && Object.hasOwn(CODES, this.#name) ? code : 0;
  }
}
defineProperty(DOMException.prototype, Symbol.toStringTag, { value: "DOMException", configurable: true });

/** A DOMException named `name`. */
export function domError(name: string, message: string): DOMException {
  return new DOMException(message, name);
}
