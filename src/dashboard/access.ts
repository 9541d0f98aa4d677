import type { IncomingMessage } from "node:http";
import { isLoopbackRequest } from "../server/loopback.js";

import type { DashboardAccess } from "../config/options.js";

export type { DashboardAccess };

export type AccessDecision = { ok: true } | { ok: false; status: number; reason: string };

/** Whether a request (page, script or live socket) may see the dashboard. */
export function dashboardAccess(req: IncomingMessage, access: DashboardAccess): AccessDecision {
  if (access === "off") {
    return { ok: false, status: 404, reason: "The dashboard is turned off (--dashboard off)." };
  }
  if (access === "loopback" && !isLoopbackRequest(req)) {
    return {
      ok: false,
      status: 403,
      reason:
        "The dashboard is only shown to this machine (open it as http://127.0.0.1:<port>/websockets/v4/). " +
        "Start the server with --dashboard anywhere to show it to other machines.",
    };
  }
  return { ok: true };
}
