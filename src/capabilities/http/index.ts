import type { Capability } from "../../ops/capability.js";
import { httpOps } from "./ops.js";

/**
 * sdk/http: Dirigible's `http/v4/request` and `http/v4/response` for script
 * services, files run when `/services/v4/js/<path>` or `/services/js/<path>`
 * is requested (src/wiring/script-services.ts). A request raises one
 * `service` event; the guest module (guest.ts) runs the script's top level
 * and posts one answer.
 */
export const http: Capability = {
  name: "http",
  module: "sdk/http",
  memberModules: [
    { module: "http/v4/request", name: "request" },
    { module: "http/v4/response", name: "response" },
  ],
  events: {
    // A script service exports no hook: its top level runs. The name is what reports call it.
    service: { hook: "script service", method: "service" },
  },
  ops: httpOps,
};
