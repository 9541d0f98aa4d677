import { MAX_HELD_FRAME_CHARS } from "./frames.js";
import type { Subscription } from "./subscriptions.js";

/** One run of a subscription's command for an event, and the frame it makes. */
export interface EventJob {
  readonly sub: Subscription;
  /** The object ids the event is about, comma-separated ("0": none). */
  readonly objectIds: string;
  readonly eventId: number;
  /** What the run waits for first (send_now: the engine's confirmation of the type's channel). */
  readonly gate?: Promise<void>;
  state: "waiting" | "running" | "done";
  /** Its subscription went: nothing is sent for it. */
  dropped: boolean;
  frame?: string;
}

/** Runs of one connection in flight at most (each of another command). */
const MAX_RUNNING = 8;

/**
 * One connection's event runs, first in first out: a run starts once no run
 * of the same command (api_cmd) is in flight, and frames go out in the order
 * the runs were queued (so event-ids go out increasing), whatever order they
 * finish in. The frames of finished runs waiting behind an unfinished one
 * are bounded in characters (MAX_HELD_FRAME_CHARS).
 */
export class EventJobs {
  private readonly jobs: EventJob[] = [];
  private readonly runningCommands = new Set<string>();
  private running = 0;
  private closed = false;
  /** Characters of the frames of finished runs not sent yet. */
  private heldChars = 0;

  constructor(
    /** Runs the command of a job; resolves with its frame (never rejects). */
    private readonly run: (job: EventJob) => Promise<string>,
    private readonly send: (job: EventJob, frame: string) => void,
    /** A run or a send failed unexpectedly (a host bug): told, and the line moves on. */
    private readonly failed: (error: unknown) => void,
    /** The frames waiting behind an unfinished run hold over MAX_HELD_FRAME_CHARS: the connection must go. */
    private readonly overflow: (heldChars: number) => void,
  ) {}

  /** Runs queued or in flight. */
  get length(): number {
    return this.jobs.length;
  }

  push(sub: Subscription, objectIds: string, eventId: number, gate?: Promise<void>): void {
    if (this.closed) return;
    this.jobs.push({ sub, objectIds, eventId, ...(gate ? { gate } : {}), state: "waiting", dropped: false });
    this.pump();
  }

  /** `sub` went: its runs send nothing (those in flight finish first, in their place). */
  drop(sub: Subscription): void {
    for (const job of this.jobs) {
      if (job.sub !== sub) continue;
      job.dropped = true;
      this.release(job);
    }
    this.flush();
    this.pump();
  }

  /** The connection closed: nothing more runs or goes out. */
  close(): void {
    this.closed = true;
    for (const job of this.jobs) job.dropped = true;
    this.jobs.length = 0;
    this.heldChars = 0;
  }

  private pump(): void {
    for (const job of this.jobs) {
      if (this.running >= MAX_RUNNING) return;
      if (job.state !== "waiting" || job.dropped || this.runningCommands.has(job.sub.apiCmd)) continue;
      void this.start(job);
    }
  }

  private async start(job: EventJob): Promise<void> {
    job.state = "running";
    this.running++;
    this.runningCommands.add(job.sub.apiCmd);
    try {
      await job.gate?.catch(() => undefined);
      if (!job.dropped) {
        const frame = await this.run(job);
        if (!job.dropped && !this.closed) {
          job.frame = frame;
          this.heldChars += frame.length;
        }
      }
    } catch (error) {
      this.failed(error);
    }
    job.state = "done";
    this.running--;
    this.runningCommands.delete(job.sub.apiCmd);
    if (this.closed) return;
    try {
      this.flush();
      if (this.heldChars > MAX_HELD_FRAME_CHARS) return this.overflow(this.heldChars);
      this.pump();
    } catch (error) {
      this.failed(error);
    }
  }

  /** A job's frame will not go out: its characters are no longer held. */
  private release(job: EventJob): void {
    if (job.frame === undefined) return;
    this.heldChars -= job.frame.length;
    job.frame = undefined;
  }

  /** Sends the finished runs at the head of the line, in order; dropped runs that never started leave at once. */
  private flush(): void {
    while (this.jobs.length > 0) {
      const head = this.jobs[0]!;
      if (head.state === "running" || (head.state === "waiting" && !head.dropped)) return;
      this.jobs.shift();
      const frame = head.frame;
      this.release(head);
      if (!head.dropped && frame !== undefined) this.send(head, frame);
    }
  }
}
