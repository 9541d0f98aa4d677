/** How long a failed sign-in counts against its address. */
export const AUTH_WINDOW_MS = 60_000;
/** Addresses remembered at most; past it the one that failed longest ago is forgotten. */
const MAX_ADDRESSES = 10_000;
/** Failures remembered per address: more than any limit needs (authFailuresPerMinute is at most 100000, but the newest this many decide). */
const MAX_PER_ADDRESS = 1000;

/**
 * Failed evQueue sign-ins per remote address over the last minute (a sliding
 * window), across this node's evqueue endpoints: past an endpoint's
 * authFailuresPerMinute, its connections from that address are refused
 * without asking onAuth until enough failures age out.
 */
export class AuthFailures {
  /** Address → times of its failures, oldest first (Map order: least recently failed first). */
  private readonly byAddress = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Counts a failure of `address`. */
  record(address: string): void {
    const t = this.now();
    const times = this.recent(address, t) ?? [];
    times.push(t);
    if (times.length > MAX_PER_ADDRESS) times.shift();
    this.byAddress.delete(address);
    this.byAddress.set(address, times);
    if (this.byAddress.size > MAX_ADDRESSES) this.byAddress.delete(this.byAddress.keys().next().value!);
  }

  /** Milliseconds until `address` may try again under `limit` failures a minute; 0 when it may now. */
  blockedFor(address: string, limit: number): number {
    const t = this.now();
    const times = this.recent(address, t);
    if (!times || times.length < limit) return 0;
    // It may try once fewer than `limit` failures are in the window: when the one `limit` places from the newest ages out.
    const decisive = times[times.length - Math.min(limit, times.length)]!;
    return Math.max(1, decisive + AUTH_WINDOW_MS - t);
  }

  /** Addresses with failures in the window (for tests). */
  get size(): number {
    return this.byAddress.size;
  }

  /** The failures of `address` still in the window (the map entry dropped when none is). */
  private recent(address: string, t: number): number[] | undefined {
    const times = this.byAddress.get(address);
    if (!times) return undefined;
    while (times.length > 0 && times[0]! <= t - AUTH_WINDOW_MS) times.shift();
    if (times.length === 0) {
      this.byAddress.delete(address);
      return undefined;
    }
    return times;
  }
}
