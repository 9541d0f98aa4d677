import { EVENT_STRIDE, EventKind, PeerKind } from "../protocol/events.js";

/** One peer's waiting events, flat, EVENT_STRIDE slots each. */
interface PeerQueue {
  items: unknown[];
  head: number;
  bytes: number;
}

/** The queue key of a peer: its kind and id. Timer events share the key of PeerKind.none. */
export function peerKey(peerKind: string, peerId: string): string {
  return `${peerKind}\u0000${peerId}`;
}

/** Bytes an event's payload holds while it waits (characters for text). */
export function payloadBytes(payload: unknown): number {
  if (typeof payload === "string") return payload.length;
  if (payload instanceof ArrayBuffer) return payload.byteLength;
  return 0;
}

/**
 * The events waiting for one handler module: a FIFO per peer, served in turn,
 * so a peer that floods delays only itself. Counts and payload bytes are kept
 * per peer and in total, for backpressure. Batches come out flat, in the shape
 * dispatch() takes.
 */
export class EventQueue {
  /** Peers with waiting events, in the order they are served next. */
  private readonly peers = new Map<string, PeerQueue>();
  private count = 0;
  private totalBytes = 0;

  /** Events waiting. */
  get length(): number {
    return this.count;
  }

  /** Payload bytes waiting. */
  get bytes(): number {
    return this.totalBytes;
  }

  peerLength(key: string): number {
    const q = this.peers.get(key);
    return q ? (q.items.length - q.head) / EVENT_STRIDE : 0;
  }

  peerBytes(key: string): number {
    return this.peers.get(key)?.bytes ?? 0;
  }

  push(kind: EventKind, peerKind: string, peerId: string, where: string, payload: unknown, code: number): void {
    const q = this.queueOf(peerKey(peerKind, peerId));
    q.items.push(kind, peerKind, peerId, where, payload, code);
    this.added(q, payloadBytes(payload), 1);
  }

  /**
   * Removes up to `maxEvents` events, one peer at a time in turn; stops before
   * an event that would take the batch past `maxBytes` (the first event is
   * always taken). Each peer's events stay in order.
   */
  take(maxEvents: number, maxBytes = Number.POSITIVE_INFINITY): unknown[] {
    const batch: unknown[] = [];
    let bytes = 0;
    // A served peer is moved to the end of the map; iteration then reaches it
    // again after every other peer has had its turn.
    for (const [key, q] of this.peers) {
      if (batch.length >= maxEvents * EVENT_STRIDE) break;
      const size = payloadBytes(q.items[q.head + 4]);
      if (batch.length > 0 && bytes + size > maxBytes) break;
      for (let j = 0; j < EVENT_STRIDE; j++) batch.push(q.items[q.head + j]);
      q.head += EVENT_STRIDE;
      bytes += size;
      this.added(q, -size, -1);
      this.peers.delete(key);
      if (q.head < q.items.length) {
        if (q.head > 4096) {
          q.items = q.items.slice(q.head);
          q.head = 0;
        }
        this.peers.set(key, q);
      }
    }
    return batch;
  }

  /**
   * Puts events back at the front of their peers' queues, in order (a batch
   * that was cut short); those peers are served first next time.
   */
  unshift(events: unknown[]): void {
    const byPeer = new Map<string, unknown[]>();
    for (let i = 0; i < events.length; i += EVENT_STRIDE) {
      const key = peerKey(events[i + 1] as string, events[i + 2] as string);
      let list = byPeer.get(key);
      if (!list) byPeer.set(key, (list = []));
      for (let j = 0; j < EVENT_STRIDE; j++) list.push(events[i + j]);
    }
    for (const [key, list] of byPeer) {
      const q = this.queueOf(key);
      q.items = list.concat(q.items.slice(q.head));
      q.head = 0;
      let size = 0;
      for (let i = 4; i < list.length; i += EVENT_STRIDE) size += payloadBytes(list[i]);
      this.added(q, size, list.length / EVENT_STRIDE);
    }
    const order = [...this.peers].sort(([a], [b]) => Number(byPeer.has(b)) - Number(byPeer.has(a)));
    this.peers.clear();
    for (const [key, q] of order) this.peers.set(key, q);
  }

  /** Drops queued timer events (their context is gone). */
  dropTimers(): void {
    const key = peerKey(PeerKind.none, "");
    const q = this.peers.get(key);
    if (!q) return;
    const kept: unknown[] = [];
    let dropped = 0;
    for (let i = q.head; i < q.items.length; i += EVENT_STRIDE) {
      if (q.items[i] === EventKind.timer) dropped++;
      else for (let j = 0; j < EVENT_STRIDE; j++) kept.push(q.items[i + j]);
    }
    q.items = kept;
    q.head = 0;
    this.count -= dropped;
    if (kept.length === 0) this.peers.delete(key);
  }

  /** Drops everything. */
  clear(): void {
    this.peers.clear();
    this.count = 0;
    this.totalBytes = 0;
  }

  private queueOf(key: string): PeerQueue {
    let q = this.peers.get(key);
    if (!q) this.peers.set(key, (q = { items: [], head: 0, bytes: 0 }));
    return q;
  }

  private added(q: PeerQueue, bytes: number, events: number): void {
    q.bytes += bytes;
    this.totalBytes += bytes;
    this.count += events;
  }
}
