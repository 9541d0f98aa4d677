/** Cumulative message counts of one endpoint, as peers/ keeps them. */
export interface MessageCounts {
  readonly messagesIn: number;
  readonly messagesOut: number;
}

/** Messages per second, in and out, to a tenth. */
export interface MessageRates {
  readonly in: number;
  readonly out: number;
}

/** Readings closer together than this keep the last rate (a viewer joining mid-second). */
const MIN_INTERVAL_MS = 900;

interface Reading {
  readonly counts: MessageCounts;
  readonly at: number;
  readonly rates: MessageRates;
}

/**
 * Per-endpoint rates from two readings of the endpoints' counters, a push
 * apart. Only the endpoints of the latest round are remembered, so it holds
 * at most one reading per endpoint listed.
 */
export class EndpointRates {
  private last = new Map<string, Reading>();
  private next = new Map<string, Reading>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The rate of `endpoint` since its last reading (0 on the first one). Call between begin() and end(). */
  read(endpoint: string, counts: MessageCounts): MessageRates {
    const at = this.now();
    const before = this.last.get(endpoint);
    let reading: Reading;
    if (!before) reading = { counts: { ...counts }, at, rates: { in: 0, out: 0 } };
    else if (at - before.at < MIN_INTERVAL_MS) reading = before;
    else {
      const per = (now: number, then: number) => Math.round(((now >= then ? now - then : now) * 10000) / (at - before.at)) / 10;
      reading = {
        counts: { ...counts },
        at,
        rates: { in: per(counts.messagesIn, before.counts.messagesIn), out: per(counts.messagesOut, before.counts.messagesOut) },
      };
    }
    this.next.set(endpoint, reading);
    return reading.rates;
  }

  /** Ends a round: endpoints not read in it are forgotten. */
  end(): void {
    this.last = this.next;
    this.next = new Map();
  }
}
