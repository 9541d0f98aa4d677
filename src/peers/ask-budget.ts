import type { HandlerModule } from "../sandbox/handler-module.js";

/**
 * Asks of protocol connections (MonoRail resources, evQueue commands) waiting
 * for one handler module, at most 1,000 across every connection of this node
 * it serves: well below the module's own table of waiting requests (10,000),
 * which its other hooks (onHandshake, filter, listeners) need too. An ask past
 * it is refused at once.
 */
export const MAX_MODULE_ASKS = 1000;

/** Counts the asks in flight per handler module. */
export class AskBudget {
  private readonly inFlight = new WeakMap<HandlerModule, number>();

  constructor(readonly max = MAX_MODULE_ASKS) {}

  /** Takes a place for an ask of `module`; false when it has `max` in flight already. */
  take(module: HandlerModule): boolean {
    const n = this.inFlight.get(module) ?? 0;
    if (n >= this.max) return false;
    this.inFlight.set(module, n + 1);
    return true;
  }

  /** Gives back the place of an ask that settled. */
  give(module: HandlerModule): void {
    const n = this.inFlight.get(module) ?? 0;
    if (n <= 1) this.inFlight.delete(module);
    else this.inFlight.set(module, n - 1);
  }
}
