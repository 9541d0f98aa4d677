import { MAX_OUTBOX_FIELDS, OUTBOX_FIELDS, type OutboxOp } from "./outbox.js";

/**
 * Reads `count` length-prefixed fields (`<length>:<text>`) from the start of
 * `text`; returns them and what follows, or undefined when they are malformed.
 */
export function readFields(text: string, count: number): { fields: string[]; rest: string } | undefined {
  const fields: string[] = [];
  let i = 0;
  for (let f = 0; f < count; f++) {
    const colon = text.indexOf(":", i);
    if (colon === -1 || colon - i > 10 || colon === i) return undefined;
    const length = Number(text.slice(i, colon));
    if (!Number.isInteger(length) || length < 0 || colon + 1 + length > text.length) return undefined;
    fields.push(text.slice(colon + 1, colon + 1 + length));
    i = colon + 1 + length;
  }
  return { fields, rest: text.slice(i) };
}

/** Called once per entry with its op and fields (unused fields are ""). */
export type OutboxVisitor = (op: OutboxOp, fields: readonly string[]) => void;

/**
 * Reads an outbox. The guest (src/guest/outbox.ts) writes each entry as an op
 * code followed by its fields, each field as `<length>:<text>`:
 *
 *     s2:s15:hello   →  visit("s", ["s1", "hello", ...])
 *
 * Nothing is escaped, so any text is safe, and nothing is allocated per entry
 * beyond its fields. The text comes from untrusted code: a malformed entry
 * ends the reading, and what came before it stands. Returns the entries read.
 * The fields array is reused between entries: copy what you keep.
 */
export function decodeOutbox(text: string, visit: OutboxVisitor): number {
  const fields: string[] = new Array<string>(MAX_OUTBOX_FIELDS).fill("");
  let i = 0;
  let entries = 0;
  while (i < text.length) {
    const op = text[i] as OutboxOp;
    const count = OUTBOX_FIELDS[op];
    if (count === undefined) return entries;
    i++;
    for (let f = 0; f < MAX_OUTBOX_FIELDS; f++) {
      if (f >= count) {
        fields[f] = "";
        continue;
      }
      const colon = text.indexOf(":", i);
      if (colon === -1 || colon - i > 10 || colon === i) return entries;
      const length = Number(text.slice(i, colon));
      if (!Number.isInteger(length) || length < 0 || colon + 1 + length > text.length) return entries;
      fields[f] = text.slice(colon + 1, colon + 1 + length);
      i = colon + 1 + length;
    }
    visit(op, fields);
    entries++;
  }
  return entries;
}
