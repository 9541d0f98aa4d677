/** Names MonoRail endpoints share between the host adapter and net/v4/monorail's guest code. */

/**
 * The request hook net/v4/monorail provides inside the sandbox (no export of
 * the handler has this name): the host asks it [handler, resource, params]
 * and it answers from the resources the handler registered.
 */
export const MONORAIL_RESOURCE_HOOK = "aerostat.monorail.resource";
/** The request hook that asks a resource's filter(params, change) for a batch of watchers: [resource, [params...], change] → boolean[]. */
export const MONORAIL_FILTER_HOOK = "aerostat.monorail.filter";

/** The handlers a client may send, and those the server sends. */
export const MonoRailHandlers = {
  init: "init",
  query: "query",
  all: "all",
  get: "get",
  watch: "watch",
  stop: "stop",
  error: "error",
  session: "session",
  list: "list",
  item: "item",
  remove: "remove",
} as const;

/** Error names the guest answers with and the host sends in error frames. */
export const MonoRailErrors = {
  /** No resource of that name is registered (and it is not the built-in mq). */
  unknownResource: "UnknownResourceError",
  /** The resource has no function for that handler. */
  unsupported: "UnsupportedHandlerError",
  /** The frame is not JSON, not an object, or names no known handler. */
  badFrame: "BadFrameError",
  unknownHandler: "UnknownHandlerError",
  /** The connection holds maxWatchers watchers already. */
  tooManyWatchers: "TooManyWatchersError",
  /** The handler was reloaded, restarted or disabled while it was asked. */
  unavailable: "HandlerUnavailableError",
  timeout: "TimeoutError",
  /** The handler has as many resource asks waiting as it may (across the endpoint's connections); ask again later. */
  busy: "BusyError",
  /** An mq watch on an exchange the descriptor does not list, or the broker refused it. */
  mq: "MqError",
} as const;

/** The built-in resource that watches RabbitMQ exchanges. */
export const MQ_RESOURCE = "mq";
