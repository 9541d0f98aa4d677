import type { Capability } from "../../ops/capability.js";
import { EVQ_REQUEST_HOOKS } from "../../protocol/evqueue.js";
import { evqueueOps } from "./ops.js";

/**
 * net/v4/evqueue: evQueue's protocol for handler scripts. In the server role
 * (endpoints with `"protocol": "evqueue"`) the host keeps the XML frames,
 * sign-in, subscriptions and throttling (src/protocols/evqueue/) and asks the
 * handler's onAuth and onApi; this module lets a script name the events
 * clients may subscribe to, raise events on every node, and answer KO with
 * ApiError. Types: evqueue.d.ts.
 */
export const evqueue: Capability = {
  name: "evqueue",
  module: "net/v4/evqueue",
  aliases: ["net/evqueue"],
  events: {
    // client role: see cluster-guest.ts (its event kinds go here)
  },
  requestHooks: EVQ_REQUEST_HOOKS,
  ops: evqueueOps,
};
