import { EVENT_STRIDE, EventKind, PeerKind } from "../protocol/events.js";

/** One peer's waiting events, flat, EVENT_STRIDE slots each. */
interface PeerQueue {
  readonly key: string;
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
  /** The peer the last batch ended with. */
  private lastServed: string | undefined;

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

  push(kind: EventKind, peerKind: string, peerId: string, where: string, payload: unknown, code: number, key = peerKey(peerKind, peerId)): void {
    const q = this.queueOf(key);
    q.items.push(kind, peerKind, peerId, where, payload, code);
    this.added(q, payloadBytes(payload), 1);
  }

  /**
   * Removes up to `maxEvents` events, one per peer in turn (a round serves
   * every waiting peer once); stops before an event that would take the batch
   * past `maxBytes` (the first event is always taken). Each peer's events stay
   * in order. A round cut short leaves the peers it served behind the others.
   */
  take(maxEvents: number, maxBytes = Number.POSITIVE_INFINITY): unknown[] {
    this.resumeAfterLastServed();
    const batch: unknown[] = [];
    let bytes = 0;
    let taken = 0;
    rounds: while (taken < maxEvents && this.peers.size > 0) {
      for (const q of this.peers.values()) {
        if (taken >= maxEvents) break rounds;
        const size = payloadBytes(q.items[q.head + 4]);
        if (taken > 0 && bytes + size > maxBytes) break rounds;
        const at = batch.length;
        const items = q.items;
        const h = q.head;
        batch[at] = items[h];
        batch[at + 1] = items[h + 1];
        batch[at + 2] = items[h + 2];
        batch[at + 3] = items[h + 3];
        batch[at + 4] = items[h + 4];
        batch[at + 5] = items[h + 5];
        q.head = h + EVENT_STRIDE;
        bytes += size;
        taken++;
        this.added(q, -size, -1);
        this.lastServed = q.key;
        if (q.head === items.length) this.peers.delete(q.key);
        else if (q.head > 4096) {
          q.items = items.slice(q.head);
          q.head = 0;
        }
      }
    }
    return batch;
  }

  /** The next batch starts with the peer after the one served last (peers that arrived since wait at the end). */
  private resumeAfterLastServed(): void {
    const last = this.lastServed;
    this.lastServed = undefined;
    if (last === undefined || !this.peers.has(last)) return;
    for (const [key, q] of this.peers) {
      this.peers.delete(key);
      this.peers.set(key, q);
      if (key === last) break;
    }
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
    this.lastServed = undefined;
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

  /** The [kind, id] of every peer with events waiting. */
  waitingPeers(): [string, string][] {
    return [...this.peers.keys()].map((key) => {
      const cut = key.indexOf("\u0000");
      return [key.slice(0, cut), key.slice(cut + 1)];
    });
  }

  /** Drops everything. */
  clear(): void {
    this.peers.clear();
    this.count = 0;
    this.totalBytes = 0;
  }

  private queueOf(key: string): PeerQueue {
    let q = this.peers.get(key);
    if (!q) this.peers.set(key, (q = { key, items: [], head: 0, bytes: 0 }));
    return q;
  }

  private added(q: PeerQueue, bytes: number, events: number): void {
    q.bytes += bytes;
    this.totalBytes += bytes;
    this.count += events;
  }
}
