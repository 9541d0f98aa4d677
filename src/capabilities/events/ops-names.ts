/** The operations and event kinds of net/v4/events, by name (shared by its guest module and its host ops). */
export const EventsOps = {
  /** deferred: [name, id, argsJson, retainMs|null, idWasNumber] → null once the engine took the event */
  emit: "events.emit",
  /** deferred: [name, id, timeoutMs] → the emitted args as JSON text, or a TimeoutError */
  on: "events.on",
  /** posted: [] → the module hears the engine's ready and error (events.ready, events.error) */
  watch: "events.watch",
} as const;

/** Event kinds the host queues for modules that called onready/onerror. */
export const EventsKinds = {
  /** The engine is connected; code = how many times it became ready so far (an onready callback runs once per time). */
  ready: "events.ready",
  /** An engine connection failed; payload = JSON [store, message], store "inputStore" or "outputStore". */
  error: "events.error",
} as const;

/** Limits of net/v4/events (README, "The net/v4/events API"). */
export const EventsLimits = {
  /** What on() waits when neither the call nor setTimeout() said. */
  defaultTimeoutMs: 10_000,
  /** The longest timeout or retainMs a script may ask for: one day. */
  maxTimeoutMs: 86_400_000,
  /** Waiters one handler module may have at once; the next on() rejects with a RangeError. */
  maxWaitersPerModule: 10_000,
  /** Characters of an event's args as JSON text. */
  maxArgsChars: 64 * 1024,
  /** Characters of an event's name and of its id. */
  maxNameChars: 256,
} as const;

/** What the timeout rejection says, as upstream's does. */
export const TIMEOUT_MESSAGE = "Timeout exceeded!";
/** What a waiter of a module that reloaded or unloaded is rejected with. */
export const RELOADED_MESSAGE = "aerostat: module reloaded";
