import { isIP } from "node:net";

/**
 * The name in a Host header, lower-cased, without port or IPv6 brackets;
 * undefined when there is no Host header.
 */
export function hostName(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const h = host.trim().toLowerCase();
  if (h.startsWith("[")) {
    const end = h.indexOf("]");
    return end > 0 ? h.slice(1, end) : undefined;
  }
  return h.replace(/:\d*$/, "");
}

/**
 * Whether a handshake's Host header names this server (the guard against DNS
 * rebinding). Always allowed: IP literals, "localhost", "*.localhost", and
 * `listenHost` (the --host name). `extra` adds names: "app.example.com",
 * ".example.com" (that name and its subdomains), or "*" (any).
 */
export function hostAllowed(host: string | undefined, extra: readonly string[], listenHost: string): boolean {
  const name = hostName(host);
  if (!name) return false;
  if (isIP(name) !== 0 || name === "localhost" || name.endsWith(".localhost")) return true;
  if (name === listenHost.toLowerCase()) return true;
  return extra.some((entry) => {
    const e = entry.toLowerCase();
    if (e === "*" || e === name) return true;
    return e.startsWith(".") && (name === e.slice(1) || name.endsWith(e));
  });
}
