import type { Capability } from "../../ops/capability.js";
import { configurationsOps } from "./ops.js";

/**
 * core/v4/configurations: Dirigible's configuration API, read-only. Values
 * come from the operator (`--config NAME=VALUE`, option `configurations`),
 * never from project files, so a script can use a signing key or an API
 * token without it being written next to the code.
 */
export const configurations: Capability = {
  name: "configurations",
  module: "core/v4/configurations",
  aliases: ["core/configurations"],
  namespaces: [{ module: "sdk/core", name: "configurations" }],
  events: {},
  ops: configurationsOps,
};
