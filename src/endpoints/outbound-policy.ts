/** Hosts scripts may open outgoing WebSockets to when nothing else is configured. */
export const DEFAULT_OUTBOUND_HOSTS: readonly string[] = ["localhost", "127.0.0.1", "::1"];

/**
 * Whether a script may connect to `uri`. Entries are host names or addresses
 * ("api.example.com", "10.0.0.5"), "*.example.com" for any subdomain, or "*"
 * for any host. Ports are not restricted.
 */
export function outboundAllowed(uri: string, allowed: readonly string[]): boolean {
  let host: string;
  try {
    host = new URL(uri).hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  } catch {
    return false;
  }
  return allowed.some((entry) => {
    const e = entry.toLowerCase();
    if (e === "*" || e === host) return true;
    return e.startsWith("*.") && host.endsWith(e.slice(1));
  });
}
