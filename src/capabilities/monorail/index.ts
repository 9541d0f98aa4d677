import type { Capability } from "../../ops/capability.js";
import { monorailOps } from "./ops.js";

/**
 * net/v4/monorail: the resources of RackHD MonoRail endpoints
 * (`"protocol": "monorail"`). A handler registers resources (query, all, get,
 * watch, filter) at load; the host keeps each connection's watchers
 * (src/protocols/monorail/) and asks the resource functions through a hook
 * this module provides. item/remove/list/change reach every watcher on every
 * node. Types: monorail.d.ts.
 */
export const monorail: Capability = {
  name: "monorail",
  module: "net/v4/monorail",
  aliases: ["net/monorail"],
  events: {},
  ops: monorailOps,
};
