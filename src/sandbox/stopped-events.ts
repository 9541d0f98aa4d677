import { EVENT_STRIDE, EventKind, PeerKind } from "../protocol/events.js";
import type { ContextCapability } from "./guest-context.js";

/** An event (or the code after an await) that ran past the CPU limit and was stopped. */
export interface CpuStop {
  /** "onMessage", "a timer callback", "async continuation", ... */
  readonly method: string;
  readonly peerKind: string;
  readonly peerId: string;
  /** Endpoint (sessions) or URI (clients). */
  readonly where: string;
  readonly text: string;
  /** "file:line:column" of the user's code that was running when it was stopped, when V8's stack names it. */
  readonly at?: string;
}

/** A stop, and what follows from it for the event it hit. */
export interface StopOutcome {
  readonly stop: CpuStop;
  /** The question to a hook that was stopped, to answer with the stop. */
  readonly requestId?: number;
  /** The peer hears about it through onError. */
  readonly tellPeer: boolean;
}

/** What an event kind runs, for messages: its hook ("onMessage"), or what the core runs. */
export function eventMethod(kind: string, payload: unknown, capabilities: readonly ContextCapability[]): string {
  if (kind === EventKind.timer) return "a timer callback";
  if (kind === EventKind.settle) return "code after an await";
  if (kind === EventKind.request) {
    try {
      return String((JSON.parse(String(payload)) as unknown[])[0]);
    } catch {
      return "a hook";
    }
  }
  for (const c of capabilities) {
    const spec = c.events[kind];
    if (spec) return spec.hook;
  }
  return kind;
}

/**
 * The event at `index` of `batch` was stopped at the CPU limit. An index past
 * the end means every event had returned and the time went to promise
 * continuations (code after an await); when the batch ended on an event that
 * went async, those continuations are that event's.
 */
export function describeStop(
  batch: readonly unknown[],
  index: number,
  endedAsync: boolean,
  limitMs: number,
  capabilities: readonly ContextCapability[],
): StopOutcome {
  let at = index * EVENT_STRIDE;
  let afterAwait = false;
  if (at >= batch.length) {
    afterAwait = true;
    at = (index - 1) * EVENT_STRIDE;
    if (!endedAsync || at < 0) {
      const text = `Error: code after an await ran past the CPU limit of ${limitMs} ms and was stopped`;
      return { stop: { method: "async continuation", peerKind: PeerKind.none, peerId: "", where: "", text }, tellPeer: false };
    }
  }
  const kind = batch[at] as EventKind;
  const peerKind = batch[at + 1] as string;
  const method = eventMethod(kind, batch[at + 4], capabilities);
  const what = afterAwait && kind !== EventKind.settle ? `code after an await in ${method}` : method;
  const stop: CpuStop = {
    method,
    peerKind,
    peerId: batch[at + 2] as string,
    where: batch[at + 3] as string,
    text: `Error: ${what} ran past the CPU limit of ${limitMs} ms and was stopped`,
  };
  return {
    stop,
    ...(kind === EventKind.request ? { requestId: batch[at + 5] as number } : {}),
    // Unless onError itself ran long, or nobody is there to hear it.
    tellPeer: kind !== EventKind.error && kind !== EventKind.timer && peerKind !== PeerKind.none,
  };
}
