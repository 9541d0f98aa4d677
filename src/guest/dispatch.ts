import { now } from "./builtins.js";
import { beginEventCalls, beginLateCalls } from "./calls.js";
import { current, enterPeer, leavePeer } from "./current.js";
import { host } from "./host.js";
import { runnerOf, takeWentAsync } from "./kernel.js";
import { beginDispatch, beginEvent, endDispatch, flushPending, size, take } from "./outbox.js";
import { BatchReader } from "./batch.js";

/**
 * Runs a batch of events: until the batch is done, its time slice is used,
 * its output budget is used, or an event went async. Every event starts
 * within the slice, and the host's timeout is the CPU limit plus the slice, so
 * each event (with its code after an await) gets at least the whole CPU limit,
 * whatever ran before it. Returns "<done>[a]|" + outbox ("a": the last event
 * went async), or [that, ...binaries].
 */
let done = 0;
let endedAsync = false;
/**
 * The last answer, until the host has it: isolated-vm throws an unhandled
 * promise rejection after the call returned, and the answer would be lost.
 */
let stashed = "";
/** The host's number of the dispatch call whose answer is stashed. */
let stashedCall = 0;

export function dispatch(text: string, binaries: ArrayBuffer[] | undefined, call: number): string {
  beginDispatch();
  beginLateCalls();
  done = 0;
  endedAsync = false;
  stashed = "";
  stashedCall = call;
  takeWentAsync();
  const reader = new BatchReader(text, binaries ?? null);
  const started = now();
  const limits = host.limits;
  while (!reader.done) {
    if (done > 0 && (now() - started >= limits.sliceMs || size() >= limits.maxOutboxChars)) break;
    beginEvent();
    beginEventCalls();
    const ev = reader.next();
    enterPeer(ev);
    try {
      const runner = runnerOf(ev.kind);
      if (runner) runner(ev);
    } catch (_) {
      // Only reachable if a report itself failed; the event counts as done.
      current.method = null;
    } finally {
      leavePeer();
    }
    done++;
    if (takeWentAsync()) {
      endedAsync = true;
      break;
    }
  }
  endDispatch();
  return answer();
}

/**
 * After the host stopped a dispatch at the CPU limit: how far it got, and what
 * the events produced, the stopped one's too (its log lines say what it was
 * doing). Output of code after an await goes to the host first. After a
 * dispatch that answered and then failed (a rejection nobody handled, or code
 * after an await stopped at the limit), that answer.
 */
export function recover(call: number): string {
  if (stashed !== "" && stashedCall === call) {
    const answered = stashed;
    stashed = "";
    flushPending();
    return answered;
  }
  endDispatch();
  current.method = null;
  leavePeer();
  flushPending();
  return answer();
}

function answer(): string {
  stashed = done + (endedAsync ? "a" : "") + "|" + take();
  return stashed;
}

/**
 * Runs code outside any event (module top level) with its output collected:
 * "ok|" + outbox, or "error|" + what `describe` says of the throw (fields of
 * known length, so any text is safe) + outbox.
 */
export function collect(fn: () => void, describe: (e: unknown) => string): string {
  beginDispatch();
  beginLateCalls();
  beginEvent();
  beginEventCalls();
  let head = "ok|";
  let tail = "";
  try {
    fn();
  } catch (e) {
    head = "error|";
    tail = describe(e);
  } finally {
    endDispatch();
  }
  takeWentAsync();
  return head + tail + take();
}
