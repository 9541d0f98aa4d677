import { EVENT_STRIDE, EventKind } from "../bridge/protocol.js";

/**
 * A FIFO of events stored flat, EVENT_STRIDE slots per event, in the shape
 * dispatch() takes. Taking a batch is one slice; no object per event.
 */
export class EventQueue {
  private items: unknown[] = [];
  private head = 0;

  get length(): number {
    return (this.items.length - this.head) / EVENT_STRIDE;
  }

  push(kind: EventKind, peerKind: string, peerId: string, where: string, payload: unknown, code: number): void {
    this.items.push(kind, peerKind, peerId, where, payload, code);
  }

  /** Removes and returns up to `max` events. */
  take(max: number): unknown[] {
    const end = Math.min(this.items.length, this.head + max * EVENT_STRIDE);
    const batch = this.items.slice(this.head, end);
    this.head = end;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 4096) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return batch;
  }

  /** Puts events back at the front, in order (a batch that was cut short). */
  unshift(events: unknown[]): void {
    if (events.length === 0) return;
    this.items = events.concat(this.items.slice(this.head));
    this.head = 0;
  }

  /** Drops queued timer events (their context is gone). */
  dropTimers(): void {
    const kept: unknown[] = [];
    for (let i = this.head; i < this.items.length; i += EVENT_STRIDE) {
      if (this.items[i] !== EventKind.timer) kept.push(...this.items.slice(i, i + EVENT_STRIDE));
    }
    this.items = kept;
    this.head = 0;
  }
}
