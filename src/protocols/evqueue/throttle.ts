import type { Subscription } from "./subscriptions.js";

/** Object ids one subscription merges at most while it waits for an ack; the event still goes, listing these. */
export const MAX_MERGED_IDS = 1000;

/** What became of an event offered to a subscription. */
export type Offered =
  /** Run the command now, for these object ids (comma-separated); under throttling its event-id is then awaited. */
  | { readonly run: string }
  /** Throttled: it waits, merged into the next event, which goes after the client acks the one in flight. */
  | { readonly merged: true; readonly overflow: boolean };

/**
 * evQueue's throttling, per subscription: after an event goes to the client,
 * further events for it are not sent but remembered (their object ids merged,
 * distinct, in order) until the client acks; then exactly one event goes,
 * carrying them all. Off: every event runs.
 */
export function offerEvent(sub: Subscription, objectId: string, throttling: boolean): Offered {
  if (!throttling || sub.awaiting === undefined) return { run: objectId };
  if (sub.merged.has(objectId)) return { merged: true, overflow: false };
  if (sub.merged.size >= MAX_MERGED_IDS) return { merged: true, overflow: true };
  sub.merged.add(objectId);
  return { merged: true, overflow: false };
}

/** The client acked the subscription's event in flight: the object ids of the one event to run now, if any waited. */
export function ackEvent(sub: Subscription): string | undefined {
  sub.awaiting = undefined;
  if (sub.merged.size === 0) return undefined;
  const ids = [...sub.merged].join(",");
  sub.merged.clear();
  return ids;
}
