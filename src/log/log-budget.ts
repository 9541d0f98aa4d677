/** Lines per second one source may log once its burst is spent. */
const LINES_PER_SECOND = 100;
/** Lines one source may log at once. */
const BURST = 500;

/**
 * Bounds what one source (a handler module) writes to the log: a token bucket
 * of lines, refilled at LINES_PER_SECOND. Dropped lines are counted and
 * reported in one line a second later, so nothing is dropped silently.
 */
export class LogBudget {
  private tokens = BURST;
  private last: number;
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** Called with the number of lines dropped in the last second, when there were any. */
    private readonly reportDropped: (count: number) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.last = now();
  }

  /** True when a line may be written now. */
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(BURST, this.tokens + ((t - this.last) * LINES_PER_SECOND) / 1000);
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
