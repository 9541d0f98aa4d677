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

  constructor(private readonly send: (frame: string) => void) {}

  /** A place for the reply to the command that just arrived. */
  take(): ReplySlot {
    const slot: ReplySlot = { frame: undefined };
    this.line.push(slot);
    return slot;
  }

  /** The answer of `slot`; it and the answered slots after it go out once every earlier one has. */
  fill(slot: ReplySlot, frame: string): void {
    slot.frame = frame;
    while (this.line.length > 0 && this.line[0]!.frame !== undefined) this.send(this.line.shift()!.frame!);
  }

  /** Replies waiting (for their own answer or an earlier one). */
  get waiting(): number {
    return this.line.length;
  }

  /** The connection closed: nothing more goes out. */
  clear(): void {
    this.line.length = 0;
  }
}
