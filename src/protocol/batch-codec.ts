import { EVENT_STRIDE, PeerKind } from "./events.js";

/** A batch as it crosses into the guest: one string, plus any binary payloads. */
export interface EncodedBatch {
  readonly text: string;
  /** Binary payloads, referenced from `text` by index; empty for all-text batches. */
  readonly binaries: ArrayBuffer[];
}

/** Peer characters: lower case when the payload is text, upper case when it is binaries[payload]. */
const PEER_CHAR: Record<string, [text: string, binary: string]> = {
  [PeerKind.session]: ["s", "S"],
  [PeerKind.client]: ["c", "C"],
  [PeerKind.http]: ["h", "H"],
  [PeerKind.none]: ["-", "+"],
};

const field = (text: string) => `${text.length}:${text}`;

/**
 * Encodes flat events (see EVENT_STRIDE) as one string: per event, a peer
 * character, then kind, id, where, payload and code as `<length>:<text>`
 * fields. One string crosses the boundary instead of an array copied element
 * by element. The guest's reader is src/guest/batch.ts.
 */
export function encodeBatch(batch: readonly unknown[]): EncodedBatch {
  let text = "";
  const binaries: ArrayBuffer[] = [];
  for (let i = 0; i < batch.length; i += EVENT_STRIDE) {
    const payload = batch[i + 4];
    const binary = payload instanceof ArrayBuffer;
    const peer = PEER_CHAR[batch[i + 1] as string] ?? PEER_CHAR[PeerKind.none]!;
    text +=
      peer[binary ? 1 : 0] +
      field(String(batch[i])) +
      field(batch[i + 2] as string) +
      field(batch[i + 3] as string) +
      field(binary ? String(binaries.push(payload) - 1) : String(payload)) +
      field(String(batch[i + 5]));
  }
  return { text, binaries };
}
