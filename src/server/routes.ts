/** URL shapes the runtime serves. */
export const SERVICE_PREFIX = "/websockets/v4/service/";
/** The reconnecting client, an ES module. */
export const CLIENT_PATH = "/websockets/v4/client.js";
/** The dashboard page, its script, and the WebSocket that feeds it. */
export const DASHBOARD_PATH = "/websockets/v4/";
export const DASHBOARD_SCRIPT_PATH = "/websockets/v4/dashboard.js";
export const DASHBOARD_SOCKET_PATH = "/websockets/v4/dashboard";
/** The dashboard's actions: POSTs of JSON carrying its token. */
export const DASHBOARD_CLEAR_ERRORS_PATH = "/websockets/v4/dashboard/clear-errors";
export const DASHBOARD_CLOSE_SESSION_PATH = "/websockets/v4/dashboard/close-session";

/** Browser libraries for SockJS + STOMP pages: the SockJS client, and a STOMP client with the global `Stomp` of stomp.js. */
export const VENDOR_SOCKJS_PATH = "/websockets/v4/vendor/sockjs.min.js";
export const VENDOR_STOMP_PATH = "/websockets/v4/vendor/stomp.min.js";
/** socketcluster-client's own browser bundle (an ES module exporting `create`), for pages without a bundler. */
export const SOCKETCLUSTER_CLIENT_PATH = "/websockets/v4/socketcluster-client.min.js";

/** Script services: Dirigible 4–6's URL shape, and Dirigible 7's. */
export const SCRIPT_SERVICE_PREFIXES = ["/services/v4/js/", "/services/js/"] as const;

/** The MonoRail client, an ES module beside the reconnecting client it is built on. */
export const MONORAIL_CLIENT_PATH = "/websockets/v4/monorail.js";

/** The evQueue client, an ES module; the files it imports are served under EVQUEUE_MODULES_PREFIX (web/evqueue/). */
export const EVQUEUE_CLIENT_PATH = "/websockets/v4/evqueue.js";
export const EVQUEUE_MODULES_PREFIX = "/websockets/v4/evqueue/";

/** The endpoint name in a service URL, or undefined when the path is not one. */
export function endpointFromPath(pathname: string): string | undefined {
  const target = serviceTarget(pathname);
  return target && target.resource === undefined ? target.endpoint : undefined;
}

/**
 * The endpoint of a service URL and the one segment after it, if any
 * (`/websockets/v4/service/<endpoint>/<resource>`: a monorail endpoint's
 * default resource; other endpoints refuse it). Undefined when the path is not
 * a service URL.
 */
export function serviceTarget(pathname: string): { endpoint: string; resource?: string } | undefined {
  if (!pathname.startsWith(SERVICE_PREFIX)) return undefined;
  const parts = pathname.slice(SERVICE_PREFIX.length).replace(/\/$/, "").split("/");
  if (parts.length > 2 || parts.some((p) => p === "")) return undefined;
  try {
    const endpoint = decodeURIComponent(parts[0]!);
    return parts.length === 2 ? { endpoint, resource: decodeURIComponent(parts[1]!) } : { endpoint };
  } catch {
    return undefined;
  }
}

export function serviceUrl(base: string, endpoint: string): string {
  return `${base}${SERVICE_PREFIX}${encodeURIComponent(endpoint)}`;
}
