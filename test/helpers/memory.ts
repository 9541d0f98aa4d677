/**
 * Samples this process's RSS (the runtime under test runs in it) until
 * stopped, and keeps the peak. `limitBytes` above the baseline fails the test
 * at once, so an attack that would exhaust the machine ends early.
 */
export class RssWatch {
  readonly baseline = process.memoryUsage().rss;
  peak = this.baseline;
  private readonly timer: NodeJS.Timeout;
  private exceeded: Error | undefined;

  constructor(private readonly limitBytes: number) {
    this.timer = setInterval(() => this.sample(), 25);
  }

  /** Bytes above the baseline now. */
  get growth(): number {
    return process.memoryUsage().rss - this.baseline;
  }

  get peakGrowth(): number {
    return this.peak - this.baseline;
  }

  /** Throws when the limit was passed at any sample so far. */
  check(): void {
    if (this.exceeded) throw this.exceeded;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    const rss = process.memoryUsage().rss;
    this.peak = Math.max(this.peak, rss);
    if (!this.exceeded && rss - this.baseline > this.limitBytes) {
      this.exceeded = new Error(`host RSS grew ${mb(rss - this.baseline)} above its baseline (limit ${mb(this.limitBytes)})`);
    }
  }
}

export const mb = (bytes: number): string => `${Math.round(bytes / 1024 / 1024)} MB`;
