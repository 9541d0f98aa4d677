/**
 * Whether a handler module's next batch may run inline: on the host's own
 * thread (isolated-vm's applySync) instead of the isolate's worker thread.
 *
 * Inline saves the two thread hand-overs of an async call (40–60 µs a round
 * trip on a 2-core machine), but the host's event loop waits while the guest
 * runs. So it is earned and lost, by the isolate's CPU time per batch:
 * - a lone event runs inline (a batch of one: nothing else arrived in the same
 *   turn of the event loop), and so does a small batch whose expected CPU time
 *   (its events times the CPU time per event of the module's last quick batch)
 *   is under half of QUICK_MS: many quick answers (RPC calls, say) cross in one
 *   inline call instead of two thread hand-overs; larger or slower batches go
 *   to the worker;
 * - a module earns it with a warm-up of quick batches in a row on the worker
 *   (each under QUICK_MS of CPU): WARMUP at first, four times as many after
 *   each loss;
 * - an inline batch that is not quick sends the module back to the worker to
 *   earn it again (a garbage collection in the isolate can do that);
 * - an inline batch of LOSS_MS or more is a loss. After MAX_LOSSES losses, or
 *   an event stopped at the CPU limit, the module is barred until its file
 *   changes. So a script holds the event loop for LOSS_MS or more at most
 *   MAX_LOSSES times per version of its file, each for at most its CPU limit
 *   plus the batch's time slice (at most 50 ms) and the short call that
 *   recovers a stopped batch's output.
 * - losses also count against the module's project folder and the whole
 *   runtime (InlineStrikes): after MAX_PROJECT_STRIKES in a project folder, or
 *   MAX_RUNTIME_STRIKES in all, inline dispatch ends there until the server
 *   restarts, so saving the file again and again, or adding modules, gains
 *   no more.
 */
export const QUICK_MS = 1;
export const LOSS_MS = 10;
export const WARMUP = 16;
export const MAX_LOSSES = 3;
export const MAX_PROJECT_STRIKES = 5;
/** The most events a batch that runs inline may have. */
export const MAX_INLINE_EVENTS = 64;
export const MAX_RUNTIME_STRIKES = 20;

/** Losses counted over a scope (a project folder, the runtime) that ends inline dispatch there once spent. */
export class InlineStrikes {
  private count = 0;
  constructor(private readonly limit: number) {}
  strike(): void {
    this.count++;
  }
  get spent(): boolean {
    return this.count >= this.limit;
  }
}

export type DispatchMode = "inline" | "worker" | "off";

/** Why a module lost inline dispatch, for the log. */
export interface InlineLoss {
  /** CPU time of the batch that lost it, ms (Infinity when stopped at the CPU limit). */
  readonly ms: number;
  /** Until when: it earns it again, changed code loads, or the server restarts (its project or the runtime spent its strikes). */
  readonly until: "earned again" | "file changes" | "restart";
}

export class InlinePolicy {
  private fastInARow = 0;
  /** CPU time per event of the last quick batch, ms. */
  private perEventMs = QUICK_MS;
  private losses = 0;
  private barred = false;

  constructor(
    private readonly enabled: boolean,
    /** Called each time the module loses inline dispatch. */
    private readonly onLost: (loss: InlineLoss) => void,
    /** The scopes its losses count against (project folder, runtime). */
    private readonly strikes: readonly InlineStrikes[] = [],
  ) {}

  private get spent(): boolean {
    return this.strikes.some((s) => s.spent);
  }

  private get warmup(): number {
    return WARMUP * 4 ** this.losses;
  }

  /** A batch of `events` may run inline now. */
  allows(events: number): boolean {
    const small = events === 1 || (events <= MAX_INLINE_EVENTS && events * this.perEventMs < QUICK_MS / 2);
    return this.enabled && !this.barred && small && this.fastInARow >= this.warmup && !this.spent;
  }

  /** Records a batch's CPU time in ms (of `events` events); a batch stopped at the CPU limit passes Infinity. */
  record(inline: boolean, ms: number, events = 1): void {
    if (!this.enabled || this.barred) return;
    if (ms < QUICK_MS) {
      this.perEventMs = ms / Math.max(1, events);
      if (!inline) this.fastInARow = Math.min(this.fastInARow + 1, this.warmup);
      return;
    }
    this.fastInARow = 0;
    this.perEventMs = QUICK_MS;
    const stopped = ms === Number.POSITIVE_INFINITY;
    if (!inline) {
      // Known to run long: it never earns inline dispatch with this code.
      this.barred = stopped;
      return;
    }
    if (ms < LOSS_MS) return;
    this.losses++;
    for (const s of this.strikes) s.strike();
    this.barred = stopped || this.losses >= MAX_LOSSES;
    this.onLost({ ms, until: this.spent ? "restart" : this.barred ? "file changes" : "earned again" });
  }

  /** The handler's file changed: the new code earns inline dispatch afresh. */
  reset(): void {
    this.barred = false;
    this.losses = 0;
    this.fastInARow = 0;
  }

  /** What the dashboard shows: inline (earned), worker (not earned, lost or barred), off (disabled by option). */
  get mode(): DispatchMode {
    if (!this.enabled) return "off";
    return !this.barred && !this.spent && this.fastInARow >= this.warmup ? "inline" : "worker";
  }
}
