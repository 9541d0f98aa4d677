/** The operations of net/v4/evqueue, by name (shared by its guest module and its host ops). */
export const EvqOps = {
  /** posted: [names[]] → clients of the module's endpoints may subscribe to them, until it reloads */
  registerEvents: "evqueue.registerEvents",
  /** posted: [type, objectId] → every node re-runs the matching subscriptions' api_cmd for their connections */
  createEvent: "evqueue.createEvent",
} as const;

export const EvqLimits = {
  /** Names one registerEvents() call may carry. */
  maxNamesPerCall: 10_000,
  /** Names one handler module may register in all. */
  maxRegistered: 10_000,
  /** Characters of an ApiError's code. */
  maxCodeChars: 128,
} as const;
