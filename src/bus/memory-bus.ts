import { checkHistoryArgs, checkKeep } from "./history-page.js";
import { MemoryHistory } from "./memory-history.js";
import {
  channelKey,
  type BusChannel,
  type BusHandler,
  type BusListener,
  type EngineStatus,
  type HistoryKeep,
  type HistoryPage,
  type HistoryStamp,
  type KeptMessage,
  type MessageBus,
} from "./message-bus.js";

/**
 * The in-process engine: a publish is delivered to the subscribers at once,
 * in order, before publish() returns. A subscriber that throws is reported to
 * `onError` and the others still get the message. Retained values and
 * presence counts live in this process, and so do channel histories
 * (memory-history.ts).
 */
export class MemoryBus implements MessageBus {
  readonly engine = "memory";
  readonly node = "";
  private readonly channels = new Map<string, Set<BusHandler>>();
  private readonly kept = new Map<string, { value: string; until: number }>();
  private readonly counts = new Map<string, number>();
  private readonly histories = new MemoryHistory();
  private closed = false;

  constructor(private readonly onError: (channel: BusChannel, error: unknown) => void) {}

  start(): Promise<void> {
    return Promise.resolve();
  }

  status(): EngineStatus {
    return { engine: this.engine, node: this.node, state: this.closed ? "closed" : "ready", peers: [], gaps: 0 };
  }

  publish(channel: BusChannel, message: unknown): Promise<void> {
    for (const handler of this.channels.get(channelKey(channel)) ?? []) {
      try {
        handler(message);
      } catch (error) {
        this.onError(channel, error);
      }
    }
    return Promise.resolve();
  }

  /** Appends to the channel's history, then delivers `{ offset, epoch, data }` at once. */
  publishKept(channel: BusChannel, message: unknown, keep: HistoryKeep): Promise<HistoryStamp> {
    try {
      checkKeep(keep);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const stamp = this.histories.append(channel, message, keep);
    const kept: KeptMessage = { offset: stamp.offset, epoch: stamp.epoch, data: message };
    void this.publish(channel, kept);
    return Promise.resolve(stamp);
  }

  history(channel: BusChannel, since: HistoryStamp | undefined, limit: number, keep?: HistoryKeep): Promise<HistoryPage> {
    try {
      checkHistoryArgs(since, limit, keep);
      return Promise.resolve(this.histories.page(channel, since, limit, keep));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  subscribe(channel: BusChannel, handler: BusHandler): () => void {
    const key = channelKey(channel);
    let set = this.channels.get(key);
    if (!set) this.channels.set(key, (set = new Set()));
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0 && this.channels.get(key) === set) this.channels.delete(key);
    };
  }

  /** Always connected: `ready` runs at once; there are no errors or gaps. */
  watch(listener: BusListener): () => void {
    if (!this.closed) listener.ready?.();
    return () => undefined;
  }

  retain(channel: BusChannel, key: string, value: string, ttlMs: number): Promise<void> {
    this.sweep();
    this.kept.set(`${channelKey(channel)}\u0000${key}`, { value, until: Date.now() + ttlMs });
    return Promise.resolve();
  }

  retained(channel: BusChannel, key: string): Promise<string | undefined> {
    const entry = this.kept.get(`${channelKey(channel)}\u0000${key}`);
    return Promise.resolve(entry && entry.until > Date.now() ? entry.value : undefined);
  }

  presence(project: string, key: string, delta: number): void {
    const k = `${project}\u0000${key}`;
    const n = (this.counts.get(k) ?? 0) + delta;
    if (n > 0) this.counts.set(k, n);
    else this.counts.delete(k);
  }

  countPresence(project: string, key: string): Promise<number> {
    return Promise.resolve(this.counts.get(`${project}\u0000${key}`) ?? 0);
  }

  close(): Promise<void> {
    this.closed = true;
    this.channels.clear();
    this.kept.clear();
    this.counts.clear();
    this.histories.clear();
    return Promise.resolve();
  }

  /** Drops expired values, so retained values of events nobody waits for do not pile up. */
  private sweep(): void {
    if (this.kept.size < 1024) return;
    const now = Date.now();
    for (const [k, v] of this.kept) if (v.until <= now) this.kept.delete(k);
  }
}
