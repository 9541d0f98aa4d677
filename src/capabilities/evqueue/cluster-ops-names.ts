/** The operations of net/v4/evqueue's client role (createCluster), by name: shared by its guest code and its host ops. */
export const ClusterOps = {
  /** immediate: [nodesJson, connection|null, onEvent|null, onStateChange|null] → { id } or { error, kind? } */
  create: "evqueue.cluster.create",
  /** deferred: [id, cmd] → the response root (a Node), an array of them (node "*"; null for a node without a required module), or null */
  api: "evqueue.cluster.api",
  /** deferred: [id, event, api, sendNow, objectId, externalId] → null once sent to every node that can take it */
  subscribe: "evqueue.cluster.subscribe",
  /** deferred: [id, event, externalId, objectId] → null */
  unsubscribe: "evqueue.cluster.unsubscribe",
  /** deferred: [id] → null */
  unsubscribeAll: "evqueue.cluster.unsubscribeAll",
  /** immediate: [id] → each node's name (null until it said one), or null for a closed cluster */
  nodes: "evqueue.cluster.nodes",
  /** immediate: [id] → each node's state, or null for a closed cluster */
  states: "evqueue.cluster.states",
  /** immediate: [id] → each node's version (null until it said one), or null for a closed cluster */
  versions: "evqueue.cluster.versions",
  /** posted: [id] → the cluster closes; what waits on it rejects */
  close: "evqueue.cluster.close",
} as const;

/** What the script sees as the name of a hook when it names none. */
export const ClusterHookDefaults = {
  onEvent: "onEvqueueEvent",
  onStateChange: "onEvqueueState",
} as const;

/** A hook name createCluster takes: a JavaScript identifier. */
export const HOOK_NAME = /^[A-Za-z_$][A-Za-z0-9_$]{0,127}$/;
