import { ErrorCtor, keys, parse, PromiseCtor, RangeErrorCtor, safeMap, stringify } from "./builtins.js";
import { host } from "./host.js";
import { emit } from "./outbox.js";

/**
 * Host promises: a guest call that the host answers later. The call goes out
 * in the outbox; the host settles it by queueing a `settle` event, so the code
 * that awaits it runs inside a timed call, like every other guest code. A
 * module has a bounded number pending; they die with the context on reload.
 */
const pending = safeMap<string, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
let nextId = 1;

/** Starts host op `op` with JSON-safe `args`; the Promise settles when the host says. */
export function hostPromise(op: string, args: unknown): Promise<unknown> {
  const limit = host.limits.maxPendingPromises;
  if (pending.size() >= limit) {
    throw new RangeErrorCtor("Too many pending operations (limit " + limit + "). Wait for some to finish first.");
  }
  const id = "p" + nextId++;
  // Encoded before the Promise exists: a bad argument throws at the call.
  const json = stringify(args === undefined ? null : args);
  emit(host.settings.outbox.call, id, op, json);
  return new PromiseCtor((resolve, reject) => pending.set(id, { resolve, reject }));
}

/** A `settle` event: peerId = promise id, code 1 resolved / 0 rejected, payload = JSON. */
export function settle(id: string, ok: boolean, json: string): void {
  const entry = pending.get(id);
  if (!entry) return;
  pending.delete(id);
  let value: unknown;
  try {
    value = parse(json);
  } catch (_) {
    value = null;
  }
  if (ok) entry.resolve(value);
  else entry.reject(toError(value));
}

/** The host's error description as an Error with its name, message and fields. */
function toError(value: unknown): Error {
  const info = (value && typeof value === "object" ? value : { message: String(value) }) as Record<string, unknown>;
  const error = new ErrorCtor(typeof info["message"] === "string" ? info["message"] : "the operation failed") as Error & Record<string, unknown>;
  const names = keys(info);
  for (let i = 0; i < names.length; i++) {
    const key = names[i]!;
    if (key !== "message" && key !== "stack") error[key] = info[key];
  }
  return error;
}
