import type { Capability } from "../../ops/capability.js";
import { EVQ_REQUEST_HOOKS } from "../../protocol/evqueue.js";
import { clusterOps } from "./cluster-ops.js";
import { evqueueOps } from "./ops.js";

/**
 * net/v4/evqueue: evQueue's protocol for handler scripts. In the server role
 * (endpoints with `"protocol": "evqueue"`) the host keeps the XML frames,
 * sign-in, subscriptions and throttling (src/protocols/evqueue/) and asks the
 * handler's onAuth and onApi; this module lets a script name the events
 * clients may subscribe to, raise events on every node, and answer KO with
 * ApiError. In the client role, createCluster makes a script an evQueue
 * client of real engines (or of evqueue endpoints): the host keeps the
 * sockets, sign-ins, subscriptions and reconnects
 * (src/protocols/evqueue/client/); events and state changes come back
 * through the handler's hooks (cluster-guest.ts, cluster-ops.ts).
 * Types: evqueue.d.ts.
 */
export const evqueue: Capability = {
  name: "evqueue",
  module: "net/v4/evqueue",
  aliases: ["net/evqueue"],
  events: {},
  requestHooks: EVQ_REQUEST_HOOKS,
  ops: [...evqueueOps, ...clusterOps],
};
