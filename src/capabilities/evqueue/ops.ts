import type { OpContext, PostedOp } from "../../ops/capability.js";
import type { EvqService } from "../../ops/evqueue-service.js";
import type { Services } from "../../ops/services.js";
import { EVENT_NAME } from "../../protocol/evqueue.js";
import { EvqLimits, EvqOps } from "./ops-names.js";

/** The service, or the error that says this runtime has none. */
function service(services: Services, api: string): EvqService {
  if (!services.evqueue) throw new Error(`${api}: this runtime has no evQueue endpoints wired`);
  return services.evqueue;
}

/** An event name the guest sent, checked again (the guest is untrusted). */
function eventName(api: string, value: unknown): string {
  if (typeof value !== "string" || !EVENT_NAME.test(value)) {
    throw new TypeError(`${api}: an event name is 1 to 128 letters, digits, "_", "." or "-", such as "INSTANCE_TERMINATED"; got ${JSON.stringify(String(value)).slice(0, 140)}`);
  }
  return value;
}

/**
 * Whether the context that posted the op was replaced (a reload, a sandbox
 * restart) before it ran: its names and events belong to code that no longer
 * serves, so the op is dropped, and that is logged.
 */
function fromReplacedCode(ctx: OpContext, api: string): boolean {
  if (ctx.caller?.isCurrent() !== false) return false;
  if (ctx.module.logBudget.take()) ctx.services.log.warn({ handler: ctx.module.key, op: api }, `${api} from a replaced version of ${ctx.module.key} was dropped: it reached the host after the new code took over`);
  return true;
}

const registerEvents: PostedOp = {
  mode: "posted",
  name: EvqOps.registerEvents,
  run(ctx, args) {
    const api = "evqueue.registerEvents(names)";
    const [names] = Array.isArray(args) ? args : [];
    if (!Array.isArray(names) || names.length > EvqLimits.maxNamesPerCall) throw new TypeError(`${api}: names must be an array of at most ${EvqLimits.maxNamesPerCall} event names`);
    if (fromReplacedCode(ctx, api)) return 0;
    service(ctx.services, api).registerEvents(ctx.module, names.map((n) => eventName(api, n)));
    return 0;
  },
};

const createEvent: PostedOp = {
  mode: "posted",
  name: EvqOps.createEvent,
  run(ctx, args) {
    const api = "evqueue.createEvent(type, objectId)";
    const [type, objectId] = Array.isArray(args) ? args : [];
    const id = objectId === null || objectId === undefined ? 0 : objectId;
    if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 0) throw new TypeError(`${api}: objectId must be a whole number, 0 or more`);
    if (fromReplacedCode(ctx, api)) return 0;
    return service(ctx.services, api).createEvent(ctx.module.project, eventName(api, type), id);
  },
};

/** The host operations of net/v4/evqueue. */
export const evqueueOps = [
  registerEvents,
  createEvent,
] as const;
