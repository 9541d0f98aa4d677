import { HookError } from "../../sandbox/requests.js";
import type { WireError } from "./frames.js";

/** Error names the host sends (clients recognise errors by name). */
export const ScErrors = {
  /** A procedure no hook answers, client publish switched off, a #-event the protocol does not have. */
  invalidAction: "InvalidActionError",
  /** A hook said no (returned false). */
  blocked: "SilentMiddlewareBlockedError",
  /** A hook or the client did not answer in time. */
  timeout: "TimeoutError",
  /** The handler was reloaded, restarted or disabled while its hook ran. */
  unavailable: "HandlerUnavailableError",
  /** onHandshake refused the connection. */
  handshakeRejected: "HandshakeRejectedError",
  /** The connection may not hold more channels, or the engine did not take a publication. */
  broker: "BrokerError",
  /** Malformed arguments from the client. */
  invalidArguments: "InvalidArgumentsError",
  authExpired: "AuthTokenExpiredError",
  authInvalid: "AuthTokenInvalidError",
  authNotBefore: "AuthTokenNotBeforeError",
  authError: "AuthTokenError",
  /** The client dropped before it answered the server's invoke. */
  badConnection: "BadConnectionError",
} as const;

/** An Error with this name (and JSON-safe fields): what a host operation rejects with, seen by name on the other side. */
export function namedError(name: string, message: string, fields?: Record<string, unknown>): Error {
  const error = new Error(message);
  error.name = name;
  if (fields) for (const [k, v] of Object.entries(fields)) if (k !== "name" && k !== "message" && k !== "stack") (error as unknown as Record<string, unknown>)[k] = v;
  return error;
}

export function wireError(name: string, message: string, fields?: Record<string, unknown>): WireError {
  return { ...fields, name, message };
}

/** Names of JavaScript's own error classes: a hook that throws one has a bug, not an answer for the client. */
const BUG_NAMES = new Set(["TypeError", "ReferenceError", "RangeError", "SyntaxError", "EvalError", "URIError", "InternalError"]);

/**
 * Whether a hook's failure is worth telling the operator: it did not answer
 * (too slow, or the handler went away), or it threw one of JavaScript's own
 * errors. Errors with a name of the script's choosing (ChannelError) are
 * answers for the client.
 */
export function isHookFault(error: unknown): boolean {
  return !(error instanceof HookError) || BUG_NAMES.has(error.name);
}

/**
 * What a hook's failure looks like to the client: what the script threw (name,
 * message, own JSON-safe fields) as it is; a hook that took too long as a
 * TimeoutError; a handler that went away meanwhile as HandlerUnavailableError.
 */
export function hookFailure(hook: string, error: unknown): WireError {
  if (error instanceof HookError) {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(error)) if (k !== "hook") fields[k] = v;
    return wireError(error.name, error.message, fields);
  }
  const e = error as Error;
  if (e?.name === "TimeoutError") return wireError(ScErrors.timeout, e.message);
  return wireError(ScErrors.unavailable, `${hook} could not answer: ${String(e?.message ?? error)}`);
}
