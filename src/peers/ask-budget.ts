import type { HandlerModule } from "../sandbox/handler-module.js";

/**
 * Asks of protocol connections (MonoRail resources, evQueue commands) waiting
 * for one handler module, at most 1,000 across every connection of this node
 * it serves: well below the module's own table of waiting requests (10,000),
 * which its other hooks (onHandshake, filter, listeners) need too. An ask past
 * it is refused at once (take), or waits its turn (wait).
 */
export const MAX_MODULE_ASKS = 1000;

/** An ask waiting for a place: told true when it has one, false when it was no longer wanted by its turn. */
interface Waiter {
  readonly wanted: () => boolean;
  readonly resolve: (placed: boolean) => void;
}

/**
 * Counts the asks in flight per handler module. What a client asks and waits
 * for (a command) is refused when the module is at its budget; what the
 * server owes a client (an event's run) waits in line, first in first out,
 * and takes the place of an ask that settles.
 */
export class AskBudget {
  private readonly inFlight = new WeakMap<HandlerModule, number>();
  private readonly waiting = new WeakMap<HandlerModule, Waiter[]>();

  constructor(readonly max = MAX_MODULE_ASKS) {}

  /** Takes a place for an ask of `module`; false when it has `max` in flight already (asks waiting in line keep theirs). */
  take(module: HandlerModule): boolean {
    const n = this.inFlight.get(module) ?? 0;
    if (n >= this.max) return false;
    this.inFlight.set(module, n + 1);
    return true;
  }

  /**
   * A place for an ask of `module`, now or once earlier asks settled (in the
   * order asked). Resolves true with the place taken, or false, without one,
   * when `wanted` says by its turn that it is no longer needed.
   */
  wait(module: HandlerModule, wanted: () => boolean = () => true): Promise<boolean> {
    if (this.take(module)) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      let line = this.waiting.get(module);
      if (!line) this.waiting.set(module, (line = []));
      line.push({ wanted, resolve });
    });
  }

  /** Gives back the place of an ask that settled: the first ask waiting that is still wanted takes it. */
  give(module: HandlerModule): void {
    const line = this.waiting.get(module);
    while (line && line.length > 0) {
      const next = line.shift()!;
      if (line.length === 0) this.waiting.delete(module);
      if (next.wanted()) {
        next.resolve(true);
        return;
      }
      next.resolve(false);
    }
    const n = this.inFlight.get(module) ?? 0;
    if (n <= 1) this.inFlight.delete(module);
    else this.inFlight.set(module, n - 1);
  }
}
