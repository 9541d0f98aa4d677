import { isIPv6 } from "node:net";

/** How long a failed sign-in counts against its address. */
export const AUTH_WINDOW_MS = 60_000;
/** Addresses remembered at most; past it the one that failed longest ago is forgotten. */
const MAX_ADDRESSES = 10_000;
/** Failures remembered per address: more than any limit needs (authFailuresPerMinute is at most 100000, but the newest this many decide). */
const MAX_PER_ADDRESS = 1000;

/** How long a client refused because its address has too many sign-ins being checked is told to wait. */
export const CHECKING_RETRY_MS = 1000;

/**
 * The key a client's address counts under: an IPv4 address (IPv4-mapped IPv6
 * ones too) as it is, an IPv6 address by its /64, which one subscriber
 * usually holds whole. Clients behind one proxy or NAT share one key.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIPv6(address)) return `${ipv6Groups(address).slice(0, 4).join(":")}::/64`;
  return address;
}

/** The eight groups of an IPv6 address, as lower-case hex without leading zeros (a zone id dropped). */
function ipv6Groups(address: string): string[] {
  const bare = address.split("%")[0]!.toLowerCase();
  const [head, tail] = bare.includes("::") ? bare.split("::") : [bare, undefined];
  const groupsOf = (part: string | undefined) => (part ? part.split(":") : []);
  const left = groupsOf(head);
  const right = groupsOf(tail);
  const zeros = tail === undefined ? [] : Array.from({ length: 8 - left.length - right.length }, () => "0");
  return [...left, ...zeros, ...right].map((g) => (g.includes(".") ? g : Number.parseInt(g, 16).toString(16)));
}

/**
 * Failed evQueue sign-ins per remote address (its addressKey) over the last
 * minute (a sliding window), across this node's evqueue endpoints, and the
 * sign-ins being checked now: past an endpoint's authFailuresPerMinute,
 * counting both, its connections from that address are refused without asking
 * onAuth, until checks end and failures age out. Many connections at once
 * therefore cannot all be checked before their failures count.
 */
export class AuthFailures {
  /** Address → times of its failures, oldest first (Map order: least recently failed first). */
  private readonly byAddress = new Map<string, number[]>();
  /** Address → sign-ins being checked (onAuth asked, no verdict yet). */
  private readonly checking = new Map<string, number>();

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

  /**
   * Milliseconds until `address` may try again under `limit` failures a
   * minute, its checks in flight counted as failures to come; 0 when it may
   * now. `checking` says the checks in flight decided it.
   */
  blockedFor(address: string, limit: number): { readonly waitMs: number; readonly checking: boolean } {
    const t = this.now();
    const times = this.recent(address, t);
    const failed = times?.length ?? 0;
    if (failed >= limit) {
      // It may try once fewer than `limit` failures are in the window: when the one `limit` places from the newest ages out.
      const decisive = times![failed - limit]!;
      return { waitMs: Math.max(1, decisive + AUTH_WINDOW_MS - t), checking: false };
    }
    if (failed + (this.checking.get(address) ?? 0) >= limit) return { waitMs: CHECKING_RETRY_MS, checking: true };
    return { waitMs: 0, checking: false };
  }

  /** A sign-in of `address` is being checked: it counts against the limit until `end`. */
  begin(address: string): void {
    this.checking.set(address, (this.checking.get(address) ?? 0) + 1);
  }

  /** The check begun for `address` has its verdict (a failure is recorded apart). */
  end(address: string): void {
    const n = (this.checking.get(address) ?? 1) - 1;
    if (n > 0) this.checking.set(address, n);
    else this.checking.delete(address);
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
