import { CoreHostCall } from "../protocol/settings.js";
import type { CallerContext, HandlerModule } from "../sandbox/handler-module.js";
import type { HostCall } from "../sandbox/guest-context.js";
import { applyOutbox } from "./apply-outbox.js";
import type { Primitive } from "./capability.js";
import type { OpTable } from "./op-table.js";
import type { Services } from "./services.js";

/** Characters of one immediate call's arguments the host reads at most (the guest allows less). */
const MAX_ARGS_CHARS = 128 * 1024;

/**
 * The one function a guest context can call on the host. It takes an op name
 * and a JSON array of primitives (or, for an outbox flush, the outbox text and
 * its binaries) and returns JSON text; anything else is refused before it is
 * looked at.
 */
export function createHostCall(
  module: HandlerModule,
  ops: OpTable,
  services: Services,
  /** The context this bridge belongs to: whether it still serves the module (a replaced one's timers are void). */
  caller: CallerContext,
): HostCall {
  return (op: unknown, args: unknown, binaries?: unknown): string => {
    if (typeof op !== "string" || typeof args !== "string") {
      throw new TypeError("aerostat: the host bridge accepts strings only");
    }
    if (op === CoreHostCall.flush) {
      const list = Array.isArray(binaries) ? binaries.filter((b): b is ArrayBuffer => b instanceof ArrayBuffer) : [];
      const current = caller.isCurrent();
      // In the order it was produced: after the output of the batch running now, if one is.
      module.applyLate(() => applyOutbox(services, ops, module, args, list, current, caller));
      return "null";
    }
    const fn = ops.immediate(op);
    if (!fn) throw new TypeError(`aerostat: unknown host operation "${op}"`);
    if (args.length > MAX_ARGS_CHARS) throw new RangeError(`aerostat: arguments of "${op}" too long`);
    let list: unknown;
    try {
      list = JSON.parse(args);
    } catch {
      throw new TypeError(`aerostat: unreadable arguments for "${op}"`);
    }
    if (!Array.isArray(list) || !list.every((v) => v === null || typeof v !== "object")) {
      throw new TypeError(`aerostat: "${op}" takes primitive arguments only`);
    }
    return JSON.stringify(fn.run({ module, services, caller }, list as Primitive[]) ?? null);
  };
}
