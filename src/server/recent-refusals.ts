import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Refusal } from "./refusals.js";

/** A refusal is remembered this long, for the plain GET a client sends to learn why. */
export const REFUSAL_MEMORY_MS = 10_000;
/** At most this many refusals are remembered; the oldest goes first. */
export const MAX_REMEMBERED_REFUSALS = 2000;

/** The response header that carries a refusal's brief reason, percent-encoded. */
export const REFUSAL_HEADER = "Aerostat-Refusal";

/** What a refused client may read back. */
export interface RememberedRefusal {
  readonly status: number;
  readonly brief: string;
}

/**
 * Refusals of the last few seconds, keyed by remote address and request URL.
 * A browser never sees the status of a refused handshake (only close 1006),
 * so the reconnecting client asks with a plain GET of the same URL, which it
 * can read. Memory is bounded: keys are hashes, entries expire and are capped.
 */
export class RecentRefusals {
  private readonly entries = new Map<string, RememberedRefusal & { at: number }>();

  constructor(
    private readonly memoryMs = REFUSAL_MEMORY_MS,
    private readonly max = MAX_REMEMBERED_REFUSALS,
    private readonly now: () => number = Date.now,
  ) {}

  remember(req: IncomingMessage, refusal: Refusal): void {
    const key = keyOf(req);
    this.entries.delete(key);
    this.entries.set(key, { status: refusal.status, brief: refusal.brief, at: this.now() });
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  /** The refusal this client got for this URL within the last few seconds, if any. */
  recall(req: IncomingMessage): RememberedRefusal | undefined {
    this.expire();
    const entry = this.entries.get(keyOf(req));
    return entry && { status: entry.status, brief: entry.brief };
  }

  get size(): number {
    return this.entries.size;
  }

  private expire(): void {
    const oldest = this.now() - this.memoryMs;
    for (const [key, entry] of this.entries) {
      if (entry.at >= oldest) break;
      this.entries.delete(key);
    }
  }
}

function keyOf(req: IncomingMessage): string {
  return createHash("sha256")
    .update(`${req.socket.remoteAddress ?? ""}\n${req.url ?? ""}`)
    .digest("base64");
}

/** The header value: the reason, percent-encoded so any text fits in a header. */
export function refusalHeaderValue(brief: string): string {
  return encodeURIComponent(brief);
}
