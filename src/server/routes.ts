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

/** The endpoint name in a service URL, or undefined when the path is not one. */
export function endpointFromPath(pathname: string): string | undefined {
  if (!pathname.startsWith(SERVICE_PREFIX)) return undefined;
  const rest = pathname.slice(SERVICE_PREFIX.length).replace(/\/$/, "");
  if (rest === "" || rest.includes("/")) return undefined;
  try {
    return decodeURIComponent(rest);
  } catch {
    return undefined;
  }
}

export function serviceUrl(base: string, endpoint: string): string {
  return `${base}${SERVICE_PREFIX}${encodeURIComponent(endpoint)}`;
}
