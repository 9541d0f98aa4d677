import { apply, defineProperty, g, RangeErrorCtor, safeMap, TypeErrorCtor } from "./builtins.js";
import { host } from "./host.js";
import { emit } from "./outbox.js";

/**
 * setTimeout/setInterval and their clears. The host keeps the real timers
 * (src/sandbox/guest-timers.ts) and queues a `timer` event when one fires;
 * the callback then runs here, inside a timed call.
 */
interface Timer {
  readonly fn: (...args: unknown[]) => unknown;
  readonly args: unknown[];
  readonly repeat: boolean;
}
const timers = safeMap<number, Timer>();
let nextTimerId = 1;

function addTimer(fn: unknown, delay: unknown, args: unknown[], repeat: boolean): number {
  if (typeof fn !== "function") throw new TypeErrorCtor("The callback must be a function");
  const max = host.limits.maxTimers;
  if (timers.size() >= max) throw new RangeErrorCtor("Too many timers (limit " + max + "). Clear timers you no longer need.");
  const id = nextTimerId++;
  const ms = +(delay as number) > 0 ? +(delay as number) : 0;
  timers.set(id, { fn: fn as Timer["fn"], args, repeat });
  emit(host.settings.outbox.timerSet, id, ms, repeat ? "1" : "0");
  return id;
}

function clearTimer(id: unknown): void {
  if (typeof id === "number" && timers.delete(id)) emit(host.settings.outbox.timerClear, id);
}

export function installTimers(): void {
  const globals: Record<string, unknown> = {
    setTimeout: (fn: unknown, delay?: unknown, ...args: unknown[]) => addTimer(fn, delay, args, false),
    setInterval: (fn: unknown, delay?: unknown, ...args: unknown[]) => addTimer(fn, delay, args, true),
    clearTimeout: clearTimer,
    clearInterval: clearTimer,
  };
  for (const name of ["setTimeout", "setInterval", "clearTimeout", "clearInterval"]) {
    defineProperty(g, name, { value: globals[name], writable: true, configurable: true });
  }
}

/** Runs timer `id`'s callback; returns what it returned (a Promise makes the batch end). */
export function runTimer(id: number): unknown {
  const timer = timers.get(id);
  if (!timer) return undefined;
  if (!timer.repeat) timers.delete(id);
  return apply(timer.fn, undefined, timer.args);
}
