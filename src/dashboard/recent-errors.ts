import { truncateText } from "../log/truncate.js";

/** One handler or file error, as the dashboard lists it. */
export interface RecentError {
  /** Epoch milliseconds. */
  readonly time: number;
  /** "file:line:column", or the file when no line is known. */
  readonly at: string;
  readonly message: string;
  readonly code?: string;
  readonly endpoint?: string;
  readonly session?: string;
}

/** A message is kept at most this long; the rest is replaced by a note of how much was cut. */
export const MESSAGE_KEPT = 2048;
/** `at`, `code`, `endpoint` and `session` are kept at most this long. */
export const NAME_KEPT = 256;

/** An error with every field cut to its size: what a script throws can be any length. */
export function boundedError(error: RecentError): RecentError {
  return {
    time: error.time,
    at: truncateText(error.at, NAME_KEPT),
    message: truncateText(error.message, MESSAGE_KEPT),
    ...(error.code !== undefined ? { code: truncateText(error.code, NAME_KEPT) } : {}),
    ...(error.endpoint !== undefined ? { endpoint: truncateText(error.endpoint, NAME_KEPT) } : {}),
    ...(error.session !== undefined ? { session: truncateText(error.session, NAME_KEPT) } : {}),
  };
}

/** The newest errors, at most `capacity` of them, newest first, each field bounded. */
export class RecentErrors {
  private readonly items: RecentError[] = [];

  constructor(private readonly capacity = 50) {}

  add(error: RecentError): void {
    this.items.unshift(boundedError(error));
    if (this.items.length > this.capacity) this.items.length = this.capacity;
  }

  /** Empties the list; returns how many errors it held. */
  clear(): number {
    const count = this.items.length;
    this.items.length = 0;
    return count;
  }

  list(): RecentError[] {
    return [...this.items];
  }
}
