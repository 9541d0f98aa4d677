/** Seconds of history kept. */
export const TRAFFIC_SECONDS = 60;

/**
 * Counts messages into handlers and out of them, per second, for the last
 * minute. Counting is a clock read and an increment; the series are built only
 * when asked.
 */
export class TrafficMeter {
  private readonly inbound = new Array<number>(TRAFFIC_SECONDS).fill(0);
  private readonly outbound = new Array<number>(TRAFFIC_SECONDS).fill(0);
  /** The second (epoch seconds) the newest bucket holds. */
  private second: number;

  constructor(private readonly now: () => number = Date.now) {
    this.second = Math.floor(now() / 1000);
  }

  /** A frame arrived from a browser or an outgoing client's server. */
  countIn(): void {
    this.inbound[this.advance()]! += 1;
  }

  /** Frames a handler sent (a broadcast counts once per recipient). */
  countOut(frames = 1): void {
    this.outbound[this.advance()]! += frames;
  }

  /** Messages per second over the last minute, oldest first; the current, unfinished second is left out. */
  series(): { in: number[]; out: number[] } {
    const newest = this.advance();
    const order = (values: number[]) =>
      Array.from({ length: TRAFFIC_SECONDS - 1 }, (_, i) => values[(newest + 1 + i) % TRAFFIC_SECONDS]!);
    return { in: order(this.inbound), out: order(this.outbound) };
  }

  /** Moves to the current second, zeroing buckets of seconds with no traffic; returns its index. */
  private advance(): number {
    const second = Math.floor(this.now() / 1000);
    const gap = Math.min(second - this.second, TRAFFIC_SECONDS);
    for (let s = 1; s <= gap; s++) {
      const index = (this.second + s) % TRAFFIC_SECONDS;
      this.inbound[index] = 0;
      this.outbound[index] = 0;
    }
    if (gap > 0) this.second = second;
    return this.second % TRAFFIC_SECONDS;
  }
}
