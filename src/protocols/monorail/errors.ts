import { MonoRailErrors } from "../../protocol/monorail.js";
import { HookError } from "../../sandbox/requests.js";

/** An error as an error frame carries it. */
export interface FrameError {
  readonly name: string;
  readonly message: string;
}

/** An ask refused because the handler has as many waiting as it may: the client gets a BusyError frame. */
export class BusyError extends Error {
  override readonly name = MonoRailErrors.busy;
}

/** Names of JavaScript's own error classes: a resource function that throws one has a bug worth telling the operator. */
const BUG_NAMES = new Set(["TypeError", "ReferenceError", "RangeError", "SyntaxError", "EvalError", "URIError", "InternalError"]);

/** Whether a failed ask is worth a log line: not answered in time, the handler went away, or a bug. */
export function isFault(error: unknown): boolean {
  return !(error instanceof HookError) || BUG_NAMES.has(error.name);
}

/**
 * What a failed ask of a resource function looks like to the client: what it
 * threw (name and message) as it is; a handler that registers no resources as
 * UnknownResourceError; too slow as TimeoutError; a handler that went away as
 * HandlerUnavailableError; one refused for too many waiting as BusyError.
 */
export function askFailure(resource: string, error: unknown): FrameError {
  if (error instanceof BusyError) return { name: error.name, message: error.message };
  if (error instanceof HookError) {
    if (error.name === "HookMissingError") {
      return { name: MonoRailErrors.unknownResource, message: `no resource "${resource}" here: the handler registers none (require("net/v4/monorail").resource(name, def))` };
    }
    return { name: error.name, message: error.message };
  }
  const e = error as Error;
  if (e?.name === "TimeoutError") return { name: MonoRailErrors.timeout, message: e.message };
  return { name: MonoRailErrors.unavailable, message: `the handler could not answer: ${String(e?.message ?? error)}` };
}
