import type { EventKind as CoreEvents } from "./events.js";
import type { OutboxOp } from "./outbox.js";

/** What one event kind runs in a handler module. */
export interface EventSpec {
  /** The handler function it calls, e.g. "onMessage". */
  readonly hook: string;
  /** What getMethod() says while it runs, e.g. "onmessage". */
  readonly method: string;
}

/** What the guest learns of a capability: its module name and the events it handles. */
export interface GuestCapability {
  /** The capability's folder name, e.g. "websockets". */
  readonly name: string;
  /** The module scripts require, e.g. "net/v4/websockets". */
  readonly module: string;
  /** Event kind → the hook it runs. */
  readonly events: Readonly<Record<string, EventSpec>>;
  /** Other names scripts may require the same module by, e.g. "net/websockets". */
  readonly aliases?: readonly string[];
  /** Namespace modules that export this module under a name: { module: "sdk/net", name: "websockets" }. */
  readonly namespaces?: readonly NamespaceMember[];
  /** Modules that are one export of this module: { module: "http/v4/request", name: "request" }. */
  readonly memberModules?: readonly NamespaceMember[];
  /** Hooks the host asks with request events and waits for (onInvoke, onSubscribe, ...), beyond those of `events`. */
  readonly requestHooks?: readonly string[];
}

/** A module and a name: a member of a namespace module (`import { websockets } from "sdk/net"`), or a module that is one export of another. */
export interface NamespaceMember {
  readonly module: string;
  readonly name: string;
}

/** Limits the guest enforces on itself, per event (see README, Security model). */
export interface GuestLimits {
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
  /** Host promises one module may have pending. */
  readonly maxPendingPromises: number;
  /** A batch starts no new event once it has run this long (ms); the host's timeout is the CPU limit plus this. */
  readonly sliceMs: number;
}

/** What the guest prelude receives besides the host bridge, as JSON. */
export interface GuestSettings {
  /** Project-relative path of the handler module this context runs. */
  readonly handler: string;
  readonly outbox: typeof OutboxOp;
  readonly events: typeof CoreEvents;
  readonly capabilities: readonly GuestCapability[];
  readonly limits: GuestLimits;
}

/** Host calls the core makes from the guest (capabilities name their own ops). */
export const CoreHostCall = {
  /** [outboxText] with binaries beside it → null: an outbox produced after an await. */
  flush: "outbox.flush",
  /** binaries → null: the binary frames of the outbox the guest is about to return (the answer stays one string). */
  binaries: "outbox.binaries",
} as const;
