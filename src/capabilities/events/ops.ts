import type { DeferredOp, PostedOp } from "../../ops/capability.js";
import { hubOf } from "./hub.js";
import { EventsLimits, EventsOps } from "./ops-names.js";

/** The event's name and id as the guest sent them, checked again (the guest is untrusted). */
function nameAndId(api: string, name: unknown, id: unknown): { name: string; id: string } {
  if (typeof name !== "string" || name === "" || name.length > EventsLimits.maxNameChars) {
    throw new TypeError(`${api}: name must be a non-empty string of at most ${EventsLimits.maxNameChars} characters`);
  }
  if (typeof id !== "string" || id.length > EventsLimits.maxNameChars) {
    throw new TypeError(`${api}: id must be a string or a number of at most ${EventsLimits.maxNameChars} characters`);
  }
  return { name, id };
}

/** A duration in ms the script gave: a positive number up to a day. */
function duration(api: string, what: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > EventsLimits.maxTimeoutMs) {
    throw new RangeError(`${api}: ${what} must be a number of milliseconds from 1 to ${EventsLimits.maxTimeoutMs}`);
  }
  return Math.ceil(value);
}

const list = (args: unknown): unknown[] => (Array.isArray(args) ? args : []);

const emit: DeferredOp = {
  mode: "deferred",
  name: EventsOps.emit,
  async run({ module, services }, args) {
    const [rawName, rawId, json, retain, numeric] = list(args);
    const { name, id } = nameAndId("events.emit", rawName, rawId);
    if (typeof json !== "string" || json.length > EventsLimits.maxArgsChars) {
      throw new RangeError(`events.emit: the args are over ${EventsLimits.maxArgsChars} characters of JSON; send less, or a key to look the data up by`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed)) throw new TypeError("events.emit: the args could not be read");
    const retainMs = retain === null || retain === undefined ? null : duration("events.emit", "retainMs", retain);
    if (numeric === true && Number.isNaN(Number(id))) throw new TypeError("events.emit: the id is said to be a number but is not one");
    try {
      await hubOf(services.bus).emit(module, name, id, json, retainMs, numeric === true);
    } catch (error) {
      // The script's own mistakes (a server-events channel it may not use, too much retained): said as they are.
      if (error instanceof TypeError || error instanceof RangeError) throw error;
      throw new Error(`events.emit: the ${services.bus.engine} engine did not take the event: ${String((error as Error)?.message ?? error)}`);
    }
    return null;
  },
};

const on: DeferredOp = {
  mode: "deferred",
  name: EventsOps.on,
  run({ module, services }, args) {
    const [rawName, rawId, timeout] = list(args);
    const { name, id } = nameAndId("events.on", rawName, rawId);
    return hubOf(services.bus).wait(module, name, id, duration("events.on", "timeoutMs", timeout));
  },
};

const watch: PostedOp = {
  mode: "posted",
  name: EventsOps.watch,
  run({ module, services }) {
    hubOf(services.bus).watch(module);
    return 0;
  },
};

/** The host operations of net/v4/events. */
export const eventsOps = [emit, on, watch] as const;
