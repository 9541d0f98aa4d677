import { SessionRegistry } from "../peers/sessions.js";
import type { HandlerModule } from "../sandbox/handler-module.js";
import type { HostCall } from "../sandbox/guest-context.js";
import { applyOutbox } from "./apply-outbox.js";
import { SyncOp } from "../protocol/boundary.js";
import type { BridgeServices } from "./services.js";

type Primitive = string | number | boolean | null;
type Op = (module: HandlerModule, args: Primitive[], services: BridgeServices) => unknown;

const str = (v: Primitive | undefined): string => (typeof v === "string" ? v : "");

/** The immediate operations a script can call, one line each. */
const ops: Record<string, Op> = {
  [SyncOp.clientCreate]: (m, [uri, handler, engine], s) => s.openClient(m, str(uri), str(handler), str(engine)),
  [SyncOp.clientList]: (m, _args, s) => s.clients.list(m.project).map((c) => s.clients.info(c)),
  [SyncOp.clientGet]: (m, [id], s) => infoOrNull(s.clients.get(m.project, str(id)), (c) => s.clients.info(c)),
  [SyncOp.clientByHandler]: (m, [h], s) => infoOrNull(s.clients.byHandler(m.project, str(h)), (c) => s.clients.info(c)),
  [SyncOp.sessionList]: (m, [endpoint], s) =>
    s.sessions.list(m.project, str(endpoint) === "" ? undefined : str(endpoint)).map(SessionRegistry.info),
  [SyncOp.sessionGet]: (m, [id], s) => infoOrNull(s.sessions.get(m.project, str(id)), SessionRegistry.info),
  [SyncOp.outboxFlush]: (m, [text], s) => {
    applyOutbox(s, m, str(text), true);
    return null;
  },
};

function infoOrNull<T, I>(value: T | undefined, info: (v: T) => I): I | null {
  return value === undefined ? null : info(value);
}

/**
 * The one function a guest context can call on the host. It accepts two strings
 * (an op name and a JSON array of primitives) and returns JSON text; anything
 * else is refused before it is looked at.
 */
export function createHostCall(module: HandlerModule, services: BridgeServices): HostCall {
  return (op: unknown, args: unknown): string => {
    if (typeof op !== "string" || typeof args !== "string") {
      throw new TypeError("aerostat: the host bridge accepts strings only");
    }
    const fn = ops[op];
    if (!fn) throw new TypeError(`aerostat: unknown host operation "${op}"`);
    let list: unknown;
    try {
      list = JSON.parse(args);
    } catch {
      throw new TypeError(`aerostat: unreadable arguments for "${op}"`);
    }
    if (!Array.isArray(list) || !list.every((v) => v === null || typeof v !== "object")) {
      throw new TypeError(`aerostat: "${op}" takes primitive arguments only`);
    }
    return JSON.stringify(fn(module, list as Primitive[], services) ?? null);
  };
}
