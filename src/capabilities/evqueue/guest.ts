/**
 * net/v4/evqueue inside the sandbox (types and docs: evqueue.d.ts beside this
 * file). The server role's protocol lives on the host (src/protocols/evqueue/),
 * which asks the handler's onAuth and onApi; here are the functions a script
 * calls: registerEvents and createEvent go to the host as posted operations,
 * and ApiError is how onApi answers status="KO" (a throw of one is an answer,
 * not a fault).
 */
import type { Kernel } from "../../guest/kernel.js";
import { API_ERROR_NAME, EvqHooks } from "../../protocol/evqueue.js";
import { installCluster } from "./cluster-guest.js";
import { EvqLimits, EvqOps } from "./ops-names.js";

/** The characters of an event name (EVENT_NAME), checked without a RegExp a script could have changed. */
const NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-";
const MAX_NAME_CHARS = 128;

export default function evqueue(exports: Record<string, unknown>, kernel: Kernel): void {
  const { StringCtor, TypeErrorCtor, RangeErrorCtor, ErrorCtor, isArray, defineProperty, freeze, indexOf, push, stringify } = kernel.builtins;

  function checkName(api: string, name: unknown): string {
    let ok = typeof name === "string" && name.length >= 1 && name.length <= MAX_NAME_CHARS;
    for (let i = 0; ok && i < (name as string).length; i++) if (indexOf(NAME_CHARS, (name as string)[i]!, 0) === -1) ok = false;
    if (!ok) {
      let shown: string;
      try {
        shown = stringify(StringCtor(name)) as string;
      } catch (_) {
        shown = "(a value that is not a string)";
      }
      throw new TypeErrorCtor(api + ': an event name is 1 to ' + MAX_NAME_CHARS + ' letters, digits, "_", "." or "-", such as "INSTANCE_TERMINATED"; got ' + shown);
    }
    return name as string;
  }

  /** Throw one from onApi: the client gets `<response status="KO" error="message" error-code="code"/>`. */
  class ApiError extends ErrorCtor {
    constructor(code: unknown, message?: unknown) {
      if (typeof code !== "string" || code === "" || code.length > EvqLimits.maxCodeChars) {
        throw new TypeErrorCtor('new ApiError(code, message): code must be a non-empty string of at most ' + EvqLimits.maxCodeChars + ' characters, such as "INVALID_PARAMETER"');
      }
      super(message === undefined ? code : StringCtor(message));
      defineProperty(this, "code", { value: code, enumerable: true, writable: true, configurable: true });
    }
  }
  defineProperty(ApiError.prototype, "name", { value: API_ERROR_NAME, writable: true, configurable: true });
  freeze(ApiError.prototype);
  freeze(ApiError);
  // Only onApi answers with it: from any other hook (onAuth, a cluster's event hook, another capability's) it is a fault.
  kernel.answerThrows([EvqHooks.api], (error) => error instanceof ApiError);

  exports["ApiError"] = ApiError;

  exports["registerEvents"] = function registerEvents(names: unknown) {
    const api = "registerEvents(names)";
    if (!isArray(names)) throw new TypeErrorCtor(api + ': names must be an array of event names, such as ["JOB_STARTED", "JOB_DONE"]');
    if (names.length > EvqLimits.maxNamesPerCall) throw new RangeErrorCtor(api + ": at most " + EvqLimits.maxNamesPerCall + " names at a time");
    const checked: string[] = [];
    for (let i = 0; i < names.length; i++) push(checked, checkName(api, names[i]));
    kernel.post(EvqOps.registerEvents, [checked]);
  };

  exports["createEvent"] = function createEvent(type: unknown, objectId?: unknown) {
    const api = "createEvent(type, objectId)";
    const name = checkName(api, type);
    const id = objectId === undefined || objectId === null ? 0 : objectId;
    if (typeof id !== "number" || !(id >= 0) || id > 9007199254740991 || id % 1 !== 0) {
      throw new TypeErrorCtor(api + ": objectId must be a whole number, 0 or more (0 or none: the event is about no one object)");
    }
    kernel.post(EvqOps.createEvent, [name, id]);
  };

  // The client role: createCluster (it throws this module's ApiError for KO answers).
  installCluster(exports, kernel);
}
