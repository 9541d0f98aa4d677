import { CoreHostCall } from "../protocol/settings.js";
import { copyBytes, isArrayBuffer, isView, later, push, RangeErrorCtor, TypeErrorCtor, Uint8ArrayCtor } from "./builtins.js";
import { host } from "./host.js";

/**
 * The outbox: what a script's events produce for the host (sends, closes,
 * timers, log lines, faults, capability operations), as one string of entries
 * `<op><length>:<text>...` (read by src/protocol/outbox-codec.ts), with the
 * binary frames beside it as copied ArrayBuffers.
 *
 * Caps hold per event: entries and characters are counted from the start of
 * the running event. Code after an await runs outside any event, once the
 * dispatch has returned; its entries are gathered and handed to the host once
 * per microtask checkpoint, with a budget of their own renewed by every
 * dispatch (an event that goes async ends its batch, so that budget is its own).
 */
let text = "";
let binaries: ArrayBuffer[] = [];
let inEvent = false;
let eventEntries = 0;
let eventStart = 0;
let eventBinaryChars = 0;
let lateText = "";
let lateBinaries: ArrayBuffer[] = [];
let lateEntries = 0;
let lateChars = 0;
let eventReports = 0;
let lateReports = 0;
let flushQueued = false;

/** Fault reports and error replies one event (or one phase of code after an await) may add beyond its caps. */
const MAX_REPORTS = 4;

/** One outbox field: "<length>:<text>". Numbers become their decimal text. */
function field(value: string | number): string {
  const t = typeof value === "string" ? value : value === value && value !== 1 / 0 && value !== -1 / 0 ? "" + value : "0";
  return t.length + ":" + t;
}

function tooMuchData(): never {
  throw new RangeErrorCtor(
    "Too much outgoing data in one event (limit " + host.limits.maxOutboxChars + " characters). Send less per event.",
  );
}

function charsUsed(): number {
  return inEvent ? text.length - eventStart + eventBinaryChars : lateChars;
}

/**
 * Adds an entry. `report` entries (fault reports, error replies) skip the
 * caps, so a full outbox cannot hide why it was full; each is clipped, and an
 * event (or a phase of code after an await) adds at most MAX_REPORTS of them:
 * a script that makes its own code report again and again adds nothing more.
 */
export function emitEntry(report: boolean, op: string, fields: (string | number)[], extraChars = 0): void {
  const limits = host.limits;
  if (report) {
    if ((inEvent ? eventReports : lateReports) >= MAX_REPORTS) return;
    if (inEvent) eventReports++;
    else lateReports++;
  } else {
    if ((inEvent ? eventEntries : lateEntries) >= limits.maxOutboxEntries) {
      throw new RangeErrorCtor(
        "Too many outgoing operations in one event (limit " + limits.maxOutboxEntries + "). Send fewer messages per event.",
      );
    }
    // Refuse oversized data before spending time encoding it.
    let raw = extraChars;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      if (typeof f === "string") raw += f.length;
    }
    if (charsUsed() + raw > limits.maxOutboxChars) tooMuchData();
  }
  let entry = op;
  for (let i = 0; i < fields.length; i++) entry += field(fields[i]!);
  if (!report && charsUsed() + entry.length + extraChars > limits.maxOutboxChars) tooMuchData();
  if (inEvent) {
    text += entry;
    eventEntries++;
    eventBinaryChars += extraChars;
    return;
  }
  lateText += entry;
  lateEntries++;
  lateChars += entry.length + extraChars;
  if (!flushQueued) {
    later(flushLate);
    flushQueued = true;
  }
}

export function emit(op: string, ...fields: (string | number)[]): void {
  emitEntry(false, op, fields);
}

/** Sends bytes as a binary frame: one copy, handed to the host beside the outbox. */
export function emitBinary(peerId: string, data: unknown): void {
  let buffer: ArrayBuffer;
  let offset = 0;
  let length: number;
  if (isArrayBuffer(data)) {
    buffer = data;
    length = data.byteLength;
  } else if (isView(data)) {
    const view = new Uint8ArrayCtor((data as ArrayBufferView).buffer, (data as ArrayBufferView).byteOffset, (data as ArrayBufferView).byteLength);
    buffer = view.buffer as ArrayBuffer;
    offset = view.byteOffset;
    length = view.byteLength;
  } else {
    throw new TypeErrorCtor("expected a string, an ArrayBuffer or a typed array");
  }
  if (!isArrayBuffer(buffer)) throw new TypeErrorCtor("expected an ArrayBuffer, not a SharedArrayBuffer");
  const list = inEvent ? binaries : lateBinaries;
  emitEntry(false, host.settings.outbox.sendBinary, [peerId, list.length], length);
  push(list, copyBytes(buffer, offset, length));
}

/** Hands code-after-an-await output to the host: once per microtask checkpoint. */
function flushLate(): void {
  flushQueued = false;
  if (lateText === "") return;
  const t = lateText;
  const b = lateBinaries;
  lateText = "";
  lateBinaries = [];
  host.call(CoreHostCall.flush, t, b.length ? b : undefined);
}

/** A dispatch (or a module's top-level run) begins: its events collect into the outbox. */
export function beginDispatch(): void {
  dispatches++;
  inEvent = true;
  lateEntries = 0;
  lateChars = 0;
  lateReports = 0;
}

let dispatches = 0;

/**
 * Which dispatch is running: the host applies each dispatch's outbox before
 * the next, so what a context read from the host in an earlier one may be stale.
 */
export function dispatchNumber(): number {
  return dispatches;
}

/** The next event of the dispatch begins: fresh caps. */
export function beginEvent(): void {
  eventEntries = 0;
  eventReports = 0;
  eventBinaryChars = 0;
  eventStart = text.length;
}

export function endDispatch(): void {
  inEvent = false;
}

export function isInEvent(): boolean {
  return inEvent;
}

/** Characters the outbox holds so far in this dispatch. */
export function size(): number {
  return text.length;
}

/**
 * The outbox so far, emptied, as one string. Its binary frames, if any, go to
 * the host first, beside it: the answer itself stays a plain string.
 */
export function take(): string {
  const t = text;
  const b = binaries;
  text = "";
  binaries = [];
  eventStart = 0;
  if (b.length > 0) host.call(CoreHostCall.binaries, "", b);
  return t;
}

/** After a stop at the CPU limit: what code after an await had gathered goes to the host now. */
export function flushPending(): void {
  flushLate();
}
