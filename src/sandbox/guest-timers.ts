/**
 * Host-side timers behind a context's setTimeout/setInterval. When one fires,
 * the handler module queues a timer event; an interval whose last event is still
 * queued does not queue another, so a busy handler is not flooded.
 */
export class GuestTimers {
  private readonly live = new Map<number, NodeJS.Timeout>();
  private readonly pending = new Set<number>();

  constructor(
    private readonly fire: (id: number) => void,
    /** The guest enforces its own limit; this backs it up. */
    private readonly max: number,
  ) {}

  set(id: number, delayMs: number, repeat: boolean): void {
    if (!Number.isSafeInteger(id)) return;
    this.clear(id);
    if (this.live.size >= this.max) return;
    const ms = Math.min(Math.max(1, Math.floor(delayMs) || 0), 2_147_483_647);
    const onFire = () => {
      if (!repeat) this.live.delete(id);
      if (this.pending.has(id)) return;
      this.pending.add(id);
      this.fire(id);
    };
    this.live.set(id, repeat ? setInterval(onFire, ms) : setTimeout(onFire, ms));
  }

  /** The timer's event has been handed to the guest. */
  delivered(id: number): void {
    this.pending.delete(id);
  }

  clear(id: number): void {
    const t = this.live.get(id);
    if (t) {
      clearTimeout(t);
      this.live.delete(id);
    }
    this.pending.delete(id);
  }

  clearAll(): void {
    for (const t of this.live.values()) clearTimeout(t);
    this.live.clear();
    this.pending.clear();
  }
}
