import type { Capability } from "../../ops/capability.js";
import { EVQ_REQUEST_HOOKS } from "../../protocol/evqueue.js";
import { clusterOps } from "./cluster-ops.js";

/**
 * net/v4/evqueue: evQueue in scripts. The client role, createCluster, makes
 * a script an evQueue client of real engines (or of aerostat evqueue
 * endpoints): the host keeps the sockets, sign-ins, subscriptions and
 * reconnects (src/protocols/evqueue/client/), reached through
 * ops/evqueue-client-service.ts; events and state changes come back through
 * the handler's hooks. Guest code: cluster-guest.ts. Types: evqueue.d.ts.
 */
export const evqueue: Capability = {
  name: "evqueue",
  module: "net/v4/evqueue",
  aliases: ["net/evqueue"],
  events: {},
  requestHooks: EVQ_REQUEST_HOOKS,
  ops: [...clusterOps],
};
