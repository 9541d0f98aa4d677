import { channelKey, type BusChannel, type HistoryKeep, type HistoryPage, type HistoryStamp } from "./message-bus.js";
import { historyPage, newEpoch } from "./history-page.js";

/** A channel's history in this process. */
interface Stream {
  readonly epoch: string;
  /** The offset of the latest publication (0 before the first). */
  top: number;
  /** The kept publications, oldest first: their JSON text (as the redis engine keeps them) and when they were published. */
  readonly entries: { readonly offset: number; readonly json: string; readonly at: number }[];
  ttlMs: number;
  /** The whole history expires then (ttlMs after its last publication, or after it was made). */
  until: number;
}

/** How often at most the expired histories are looked for. */
const SWEEP_EVERY_MS = 1000;

/**
 * The memory engine's channel histories: per channel the last `size`
 * publications younger than `ttlMs`, an offset counter and an epoch made when
 * the history is created, so a history that fully expired starts again under
 * a new epoch. Expired histories are dropped as they are met and swept at most
 * once a second, so channels nobody publishes on do not pile up.
 */
export class MemoryHistory {
  private readonly streams = new Map<string, Stream>();
  private nextSweep = 0;

  constructor(private readonly now: () => number = Date.now) {}

  append(channel: BusChannel, message: unknown, keep: HistoryKeep): HistoryStamp {
    const now = this.now();
    this.sweep(now);
    const stream = this.live(channelKey(channel), now) ?? this.create(channelKey(channel), now, keep.ttlMs);
    stream.top += 1;
    stream.entries.push({ offset: stream.top, json: JSON.stringify(message) ?? "null", at: now });
    stream.ttlMs = keep.ttlMs;
    stream.until = now + keep.ttlMs;
    this.trim(stream, now, keep.size);
    return { offset: stream.top, epoch: stream.epoch };
  }

  page(channel: BusChannel, since: HistoryStamp | undefined, limit: number, keep: HistoryKeep | undefined): HistoryPage {
    const now = this.now();
    this.sweep(now);
    const key = channelKey(channel);
    const stream = this.live(key, now) ?? (keep ? this.create(key, now, keep.ttlMs) : undefined);
    if (!stream) return historyPage("", 0, [], since, limit);
    this.trim(stream, now, Infinity);
    const kept = stream.entries.map((e) => ({ offset: e.offset, data: JSON.parse(e.json) as unknown }));
    return historyPage(stream.epoch, stream.top, kept, since, limit);
  }

  /** How many channels have a history (for tests of the sweep). */
  get size(): number {
    return this.streams.size;
  }

  clear(): void {
    this.streams.clear();
  }

  private create(key: string, now: number, ttlMs: number): Stream {
    const stream: Stream = { epoch: newEpoch(), top: 0, entries: [], ttlMs, until: now + ttlMs };
    this.streams.set(key, stream);
    return stream;
  }

  /** The channel's history unless it expired (then it is dropped). */
  private live(key: string, now: number): Stream | undefined {
    const stream = this.streams.get(key);
    if (stream && stream.until <= now) {
      this.streams.delete(key);
      return undefined;
    }
    return stream;
  }

  /** Drops publications past `size` and those older than the history's ttl. */
  private trim(stream: Stream, now: number, size: number): void {
    const entries = stream.entries;
    let drop = Math.max(0, entries.length - size);
    while (drop < entries.length && entries[drop]!.at <= now - stream.ttlMs) drop++;
    if (drop > 0) entries.splice(0, drop);
  }

  private sweep(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + SWEEP_EVERY_MS;
    for (const [key, stream] of this.streams) if (stream.until <= now) this.streams.delete(key);
  }
}
