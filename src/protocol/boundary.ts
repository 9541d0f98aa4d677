/**
 * The host↔script boundary, declared once.
 *
 * Only primitives (strings, numbers, booleans) and host-built ArrayBuffer copies
 * cross it. Three directions exist:
 *
 * 1. Host → guest: `dispatch(text, binaries?)`. The host queues events flat,
 *    EVENT_STRIDE slots each: [kind, peerKind, peerId, where, payload, code],
 *    and sends a batch of them as one string (src/sandbox/batch-codec.ts), with
 *    binary payloads copied in beside it.
 *      - peerKind: "session" (a browser connected to an endpoint) or "client"
 *        (an outgoing WebSocket made with createWebsocket).
 *      - where: the endpoint name for sessions, the URI for clients.
 *      - payload: message text or ArrayBuffer, error text, or close reason.
 *      - code: close code (close events), timer id (timer events), else 0.
 *    dispatch returns "<eventsDone>|<outbox>".
 *
 * 2. Guest → host, deferred: the outbox. One string of entries, each an op
 *    code and length-prefixed text fields (see outbox-codec.ts), built inside
 *    the guest and applied by the host after the dispatch returns. Outside a
 *    dispatch (promise continuations) the guest hands its outbox over with the
 *    SyncOp "outbox.flush".
 *
 * 3. Guest → host, immediate: `hostCall(op, jsonArgs)` → JSON text. Used only for
 *    questions that need an answer now (lists, lookups, creating a client).
 */

export const EVENT_STRIDE = 6;

/** Events the host queues for a handler module. */
export const EventKind = {
  open: 1,
  message: 2,
  error: 3,
  close: 4,
  timer: 5,
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

export const PeerKind = { session: "session", client: "client", none: "" } as const;
export type PeerKind = (typeof PeerKind)[keyof typeof PeerKind];

/**
 * Deferred operations a guest writes to its outbox, one character each. Every
 * field is text (numbers too); the fields are listed after each name.
 */
export const OutboxOp = {
  /** [peerId, text] */
  send: "s",
  /** [peerId, latin1 bytes] — a binary frame */
  sendBinary: "b",
  /** [peerId, code, reason] */
  close: "c",
  /** [text, endpoint|"", exceptIds: JSON array of strings] */
  broadcast: "B",
  /** [timerId, delayMs, repeat "1"|"0"] */
  timerSet: "t",
  /** [timerId] */
  timerClear: "T",
  /** [level, text, peerId|"", endpoint or client URI|""] — peer of the event that logged */
  log: "l",
  /** [method, peerId, errorText, stack] — a handler function threw */
  fault: "f",
} as const;
export type OutboxOp = (typeof OutboxOp)[keyof typeof OutboxOp];

/** How many fields each outbox operation has. */
export const OUTBOX_FIELDS: Record<OutboxOp, number> = {
  [OutboxOp.send]: 2,
  [OutboxOp.sendBinary]: 2,
  [OutboxOp.close]: 3,
  [OutboxOp.broadcast]: 3,
  [OutboxOp.timerSet]: 3,
  [OutboxOp.timerClear]: 1,
  [OutboxOp.log]: 4,
  [OutboxOp.fault]: 4,
};

/** Immediate calls a guest may make. Each takes one JSON array of primitives and returns JSON. */
export const SyncOp = {
  /** [uri, handler, engine] → client metadata */
  clientCreate: "clients.create",
  /** [] → client metadata[] */
  clientList: "clients.list",
  /** [id] → client metadata | null */
  clientGet: "clients.get",
  /** [handler] → client metadata | null */
  clientByHandler: "clients.byHandler",
  /** [endpoint|""] → session metadata[] */
  sessionList: "sessions.list",
  /** [id] → session metadata | null */
  sessionGet: "sessions.get",
  /** [outboxText] → null; outbox produced outside a dispatch */
  outboxFlush: "outbox.flush",
} as const;
export type SyncOp = (typeof SyncOp)[keyof typeof SyncOp];

/** Names of the handler functions, as the guest looks them up on the module. */
export const HandlerMethod = {
  [EventKind.open]: "onOpen",
  [EventKind.message]: "onMessage",
  [EventKind.error]: "onError",
  [EventKind.close]: "onClose",
} as const;

/** Script-visible modules and the runtime-api/ file each one is loaded from. */
export const RuntimeModules = {
  "net/v4/websockets": "net/v4/websockets.js",
} as const;
export type RuntimeModuleName = keyof typeof RuntimeModules;

/**
 * Named exports of each runtime module, so ES-module handlers can
 * `import { getMessage } from "net/v4/websockets"`.
 * A unit test checks this list against what the module really exports.
 */
export const RuntimeModuleExports: Record<RuntimeModuleName, readonly string[]> = {
  "net/v4/websockets": [
    "createWebsocket",
    "getClients",
    "getClient",
    "getClientByHandler",
    "getMessage",
    "getError",
    "getMethod",
    "isOnOpen",
    "isOnMessage",
    "isOnError",
    "isOnClose",
    "getSessions",
    "getSession",
    "broadcast",
  ],
};

/** What the guest prelude receives besides the bridge function. */
export interface GuestSettings {
  readonly protocol: {
    readonly event: typeof EventKind;
    readonly methods: typeof HandlerMethod;
    readonly outbox: typeof OutboxOp;
    readonly sync: typeof SyncOp;
  };
  /** Project-relative path of the handler module this context runs. */
  readonly handler: string;
  readonly maxTimers: number;
  /** Sends, closes and log lines one event may produce. */
  readonly maxOutboxEntries: number;
  /** Characters of outgoing data one event may produce; a batch stops taking events past it. */
  readonly maxOutboxChars: number;
  /** Immediate API calls (getSessions(), createWebsocket(), ...) one event may make. */
  readonly maxHostCalls: number;
  /** Characters the arguments of one immediate call may have. */
  readonly maxHostCallChars: number;
  /** Characters of answers to immediate calls one event may receive. */
  readonly maxHostAnswerChars: number;
  /** Characters of an error text in a fault report (its stack may have four times as many). */
  readonly maxReportChars: number;
  /** Characters of one console line. */
  readonly maxLogChars: number;
  /** A batch starts no new event once it has run this long (ms); the host's timeout is the CPU limit plus this. */
  readonly sliceMs: number;
  /** The runtime module names, for error messages. */
  readonly modules: string;
}

export function guestProtocol(): GuestSettings["protocol"] {
  return { event: EventKind, methods: HandlerMethod, outbox: OutboxOp, sync: SyncOp };
}
