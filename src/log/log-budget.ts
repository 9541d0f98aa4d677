/** How fast a source may log: lines per second once its burst is spent, and the burst. */
export interface LogRate {
  readonly perSecond: number;
  readonly burst: number;
}

/** A handler module's console lines and fault reports. */
export const HANDLER_LOG_RATE: LogRate = { perSecond: 100, burst: 500 };

/**
 * Bounds what one source writes to the log: a token bucket of lines, refilled
 * at `rate.perSecond`. Dropped lines are counted and reported in one line a
 * second later, so nothing is dropped silently.
 */
export class LogBudget {
  private tokens: number;
  private last: number;
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** Called with the number of lines dropped in the last second, when there were any. */
    private readonly reportDropped: (count: number) => void,
    private readonly rate: LogRate = HANDLER_LOG_RATE,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = rate.burst;
    this.last = now();
  }

  /** True when a line may be written now. */
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.rate.burst, this.tokens + ((t - this.last) * this.rate.perSecond) / 1000);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    this.dropped++;
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), 1000);
      this.timer.unref();
    }
    return false;
  }

  /** Stops the report timer (the source is gone); reports what was dropped. */
  dispose(): void {
    this.flush();
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const count = this.dropped;
    this.dropped = 0;
    if (count > 0) this.reportDropped(count);
  }
}
