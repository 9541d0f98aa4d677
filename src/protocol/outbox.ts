/**
 * Deferred operations a guest writes to its outbox, one character each, with
 * the fields each carries (all text; numbers as decimal text). The host
 * applies them after the event (or, for code after an await, once the
 * microtask checkpoint is over).
 */
export const OutboxOp = {
  /** [peerId, text] */
  send: "s",
  /** [peerId, index of the binary beside the outbox] — a binary frame, copied out of the sandbox */
  sendBinary: "b",
  /** [peerId, code, reason] */
  close: "c",
  /** [timerId, delayMs, repeat "1"|"0"] */
  timerSet: "t",
  /** [timerId] */
  timerClear: "T",
  /** [level, text, peerKind, peerId, where] — the peer of the event that logged */
  log: "l",
  /** [method, peerKind, peerId, where, errorText, stack] — a handler function threw */
  fault: "f",
  /** [opName, JSON arguments] — a capability operation that answers nothing */
  post: "p",
  /** [promiseId, opName, JSON arguments] — a capability operation that settles a Promise later */
  call: "C",
  /** [requestId, "1" ok | "0" error, JSON value or error] — a hook's answer to a request */
  reply: "r",
} as const;
export type OutboxOp = (typeof OutboxOp)[keyof typeof OutboxOp];

/** How many fields each outbox operation has. */
export const OUTBOX_FIELDS: Record<OutboxOp, number> = {
  [OutboxOp.send]: 2,
  [OutboxOp.sendBinary]: 2,
  [OutboxOp.close]: 3,
  [OutboxOp.timerSet]: 3,
  [OutboxOp.timerClear]: 1,
  [OutboxOp.log]: 5,
  [OutboxOp.fault]: 6,
  [OutboxOp.post]: 2,
  [OutboxOp.call]: 3,
  [OutboxOp.reply]: 3,
};

/** The most fields any operation has. */
export const MAX_OUTBOX_FIELDS = 6;
