/** Reconnect delays: the first, doubling up to the last, with jitter. */
export interface BackoffOptions {
  /** Delay before the first retry, in ms (default 100). */
  readonly firstMs?: number;
  /** The longest delay, in ms (default 5000). */
  readonly maxMs?: number;
}

/**
 * The delay before retry number `attempt` (0 for the first retry): firstMs
 * doubled per attempt up to maxMs, then scattered over its upper half so that
 * many listeners cut off together do not come back in step.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const first = options.firstMs ?? 100;
  const max = options.maxMs ?? 5000;
  const ceiling = Math.min(max, first * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}
