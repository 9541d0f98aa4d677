/** Names evQueue endpoints share between the host adapter, net/v4/evqueue's guest code and its client role. */

/** The WebSocket subprotocols an evQueue connection asks for: API calls, or event subscriptions. */
export const EvqSubprotocols = { api: "api", events: "events" } as const;
export type EvqMode = (typeof EvqSubprotocols)[keyof typeof EvqSubprotocols];
/** Both, in the order a server prefers them when a client offers both. */
export const EVQ_SUBPROTOCOL_LIST: readonly EvqMode[] = [EvqSubprotocols.api, EvqSubprotocols.events];

/** The hooks a handler of an evqueue endpoint may export; the host asks them and waits. */
export const EvqHooks = {
  /** onAuth(user) → { passwordSha1, profile? } | null. Exported: sign-in is on. */
  auth: "onAuth",
  /** onApi(query, session, event?) → Node | Node[] | Promise of one. */
  api: "onApi",
  /** Client role: an event from an evQueue engine (the default name; createCluster's onEvent names another). */
  clientEvent: "onEvqueueEvent",
  /** Client role: a node's state changed (the default name; createCluster's onStateChange names another). */
  clientState: "onEvqueueState",
} as const;

/** The hooks the handler may export, for the host's list of what a module exports. */
export const EVQ_REQUEST_HOOKS: readonly string[] = [EvqHooks.auth, EvqHooks.api, EvqHooks.clientEvent, EvqHooks.clientState];

/** evQueue's error codes that aerostat itself answers with (a script's ApiError may carry any code). */
export const EvqErrorCodes = {
  unknownCommand: "UNKNOWN_COMMAND",
  invalidParameter: "INVALID_PARAMETER",
  /** The handler was reloaded, restarted or disabled while it was asked, or it timed out. */
  unavailable: "HANDLER_UNAVAILABLE",
  /** onApi threw something that is not an ApiError: the fault is logged with file:line. */
  internal: "INTERNAL_ERROR",
} as const;

/** The error name net/v4/evqueue's ApiError carries across the boundary (its `code` field holds the error-code). */
export const API_ERROR_NAME = "ApiError";

/**
 * The events evQueue's own engine registers: a client may subscribe to these
 * on any evqueue endpoint (unless its descriptor turns them off), besides the
 * names the handler registers with registerEvents().
 */
export const EVQ_STANDARD_EVENTS: readonly string[] = [
  "ALERT_CREATED", "ALERT_MODIFIED", "ALERT_REMOVED", "ALERT_TRIGGER",
  "CHANNELGROUP_CREATED", "CHANNELGROUP_MODIFIED", "CHANNELGROUP_REMOVED",
  "CHANNEL_CREATED", "CHANNEL_MODIFIED", "CHANNEL_REMOVED",
  "DISPLAY_CREATED", "DISPLAY_MODIFIED", "DISPLAY_REMOVED",
  "GIT_LOADED", "GIT_PULLED", "GIT_REMOVED", "GIT_SAVED",
  "INSTANCE_STARTED", "INSTANCE_TERMINATED", "INSTANCE_REMOVED", "INSTANCE_TAGGED", "INSTANCE_UNTAGGED",
  "LAUNCHER_CREATED", "LAUNCHER_MODIFIED", "LAUNCHER_REMOVED",
  "LOG_API", "LOG_ELOG", "LOG_ENGINE", "LOG_NOTIFICATION",
  "NOTIFICATION_CREATED", "NOTIFICATION_MODIFIED", "NOTIFICATION_REMOVED",
  "NOTIFICATION_TYPE_CREATED", "NOTIFICATION_TYPE_REMOVED",
  "QUEUE_CREATED", "QUEUE_MODIFIED", "QUEUE_REMOVED", "QUEUE_ENQUEUE", "QUEUE_DEQUEUE", "QUEUE_EXECUTE", "QUEUE_TERMINATE",
  "RETRYSCHEDULE_CREATED", "RETRYSCHEDULE_MODIFIED", "RETRYSCHEDULE_REMOVED",
  "TAG_CREATED", "TAG_MODIFIED", "TAG_REMOVED",
  "TASK_ENQUEUE", "TASK_EXECUTE", "TASK_PROGRESS", "TASK_TERMINATE",
  "USER_CREATED", "USER_MODIFIED", "USER_REMOVED",
  "VARIABLE_SET", "VARIABLE_UNSET",
  "WORKFLOWSCHEDULE_CREATED", "WORKFLOWSCHEDULE_MODIFIED", "WORKFLOWSCHEDULE_REMOVED", "WORKFLOWSCHEDULE_STARTED", "WORKFLOWSCHEDULE_STOPPED",
  "WORKFLOW_CREATED", "WORKFLOW_MODIFIED", "WORKFLOW_REMOVED", "WORKFLOW_SUBSCRIBED", "WORKFLOW_UNSUBSCRIBED",
];

/** An event name: what registerEvents, createEvent and a subscribe frame's type take. */
export const EVENT_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
