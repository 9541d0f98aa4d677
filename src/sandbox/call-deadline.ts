/**
 * Every call into an isolate has a timeout (its CPU limit). isolated-vm gives
 * each call a timer on a shared timer thread, and the timer stays queued after
 * the call returns until its deadline passes: with deadlines spread out, that
 * thread wakes once per call, on the core the host runs on. Rounding each
 * deadline up to a grid lets the timers of all calls made within one grid step
 * expire together, in one wake. A call may so run up to one step longer than
 * its limit before it is stopped.
 */
export const DEADLINE_GRID_MS = 20;

/** A timeout of at least `ms` that ends on the deadline grid. */
export function gridTimeout(ms: number, now = Date.now()): number {
  return Math.ceil((now + ms) / DEADLINE_GRID_MS) * DEADLINE_GRID_MS - now;
}
