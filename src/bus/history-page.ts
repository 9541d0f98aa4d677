import { randomBytes } from "node:crypto";
import type { HistoryKeep, HistoryPage, HistoryStamp } from "./message-bus.js";

/** One kept publication, as both engines hold it. */
export interface KeptEntry {
  readonly offset: number;
  readonly data: unknown;
}

/** A fresh epoch: 12 random URL-safe characters (safe inside JSON text as they are). */
export function newEpoch(): string {
  return randomBytes(9).toString("base64url");
}

/**
 * The page history() answers, from the stream as it is now: its epoch, the
 * offset of its latest publication (`top`) and the publications it still
 * keeps (oldest first, consecutive offsets). `recovered` holds only when the
 * reader's epoch is the stream's and every publication after `since` is kept
 * and fits in `limit`.
 */
export function historyPage(epoch: string, top: number, kept: readonly KeptEntry[], since: HistoryStamp | undefined, limit: number): HistoryPage {
  if (!since) return { epoch, offset: top, recovered: true, publications: limit === 0 ? [] : kept.slice(-limit) };
  // Offsets of another epoch mean nothing here: everything kept was missed.
  const from = since.epoch === epoch ? since.offset : 0;
  const after = kept.filter((p) => p.offset > from);
  const missing = top - since.offset;
  const recovered =
    since.epoch === epoch &&
    missing >= 0 &&
    missing <= limit &&
    after.length === missing &&
    (missing === 0 || (after[0]!.offset === since.offset + 1 && after[after.length - 1]!.offset === top));
  return { epoch, offset: top, recovered, publications: after.slice(0, limit) };
}

/** Checks what publishKept() is given; a wrong value is the calling code's mistake. */
export function checkKeep(keep: HistoryKeep): void {
  if (!Number.isSafeInteger(keep.size) || keep.size < 1) throw new RangeError(`history keep.size must be an integer of 1 or more, not ${String(keep.size)}`);
  if (!Number.isFinite(keep.ttlMs) || keep.ttlMs < 1) throw new RangeError(`history keep.ttlMs must be a number of 1 or more, not ${String(keep.ttlMs)}`);
}

/** Checks what history() is given. */
export function checkHistoryArgs(since: HistoryStamp | undefined, limit: number, keep: HistoryKeep | undefined): void {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`history limit must be an integer of 0 or more, not ${String(limit)}`);
  if (since && (!Number.isSafeInteger(since.offset) || since.offset < 0 || typeof since.epoch !== "string")) {
    throw new RangeError("history since must be { offset: an integer of 0 or more, epoch: a string }");
  }
  if (keep) checkKeep(keep);
}
