import { MAX_HELD_FRAME_CHARS } from "./frames.js";

/** A reply's place in line: filled once its answer is known. */
export interface ReplySlot {
  frame: string | undefined;
}

/**
 * Replies that go out in the order their commands came, whatever order they
 * are answered in: evQueue numbers nothing, and its clients match each reply
 * to the oldest command waiting. A slot is taken when a command arrives and
 * filled when its answer is ready; every filled slot at the head goes out.
 */
export class OrderedReplies {
  private readonly line: ReplySlot[] = [];
  /** Characters of the answered replies waiting for an earlier one. */
  private heldChars = 0;

  constructor(
    private readonly send: (frame: string) => void,
    /** The answered replies waiting hold over MAX_HELD_FRAME_CHARS: the connection must go. */
    private readonly overflow: (heldChars: number) => void,
  ) {}

  /** A place for the reply to the command that just arrived. */
  take(): ReplySlot {
    const slot: ReplySlot = { frame: undefined };
    this.line.push(slot);
    return slot;
  }

  /** The answer of `slot`; it and the answered slots after it go out once every earlier one has. */
  fill(slot: ReplySlot, frame: string): void {
    slot.frame = frame;
    this.heldChars += frame.length;
    while (this.line.length > 0 && this.line[0]!.frame !== undefined) {
      const next = this.line.shift()!.frame!;
      this.heldChars -= next.length;
      this.send(next);
    }
    if (this.heldChars > MAX_HELD_FRAME_CHARS) this.overflow(this.heldChars);
  }

  /** Replies waiting (for their own answer or an earlier one). */
  get waiting(): number {
    return this.line.length;
  }

  /** The connection closed: nothing more goes out. */
  clear(): void {
    this.line.length = 0;
    this.heldChars = 0;
  }
}
