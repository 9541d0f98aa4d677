import { indexOf, slice } from "./builtins.js";
import type { GuestEvent } from "./current.js";

/**
 * Reads a batch written by src/protocol/batch-codec.ts: per event, a peer
 * character (lower case: text payload; upper case: payload is an index into
 * `binaries`), then kind, id, where, payload and code as `<length>:<text>`.
 */
// Null prototypes: a script's Object.prototype must not answer for a missing key.
const PEER: Record<string, string> = { __proto__: null, s: "session", S: "session", c: "client", C: "client", h: "http", H: "http", "-": "", "+": "" } as unknown as Record<string, string>;
const BINARY: Record<string, boolean> = { __proto__: null, S: true, C: true, H: true, "+": true } as unknown as Record<string, boolean>;

export class BatchReader {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly binaries: ArrayBuffer[] | null,
  ) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  next(): GuestEvent {
    const peerChar = this.text[this.pos]!;
    this.pos++;
    const kind = this.field();
    const peerId = this.field();
    const where = this.field();
    const raw = this.field();
    const code = +this.field();
    const payload = BINARY[peerChar] && this.binaries ? this.binaries[+raw]! : raw;
    return { kind, peerKind: PEER[peerChar] ?? "", peerId, where, payload, code };
  }

  private field(): string {
    const colon = indexOf(this.text, ":", this.pos);
    const length = +slice(this.text, this.pos, colon);
    const value = slice(this.text, colon + 1, colon + 1 + length);
    this.pos = colon + 1 + length;
    return value;
  }
}
