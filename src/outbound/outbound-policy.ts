import { isIP } from "node:net";

/** Hosts scripts may open outgoing WebSockets to when nothing else is configured: none. */
export const DEFAULT_OUTBOUND_HOSTS: readonly string[] = [];

/** Where an outgoing connection goes, as its URI says. */
export interface OutboundTarget {
  /** Lower-cased, without IPv6 brackets. */
  readonly host: string;
  /** Explicit, or 80/443 for ws/wss and http/https. */
  readonly port: number;
  readonly pathname: string;
}

interface Entry {
  readonly host: string;
  /** Undefined: any port. */
  readonly port?: number;
}

/** ws://, wss://, http:// or https:// URIs (what createWebsocket and fetch reach); undefined for anything else. */
export function parseTarget(uri: string): OutboundTarget | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:" && url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  const port = url.port ? Number(url.port) : url.protocol === "wss:" || url.protocol === "https:" ? 443 : 80;
  return { host: url.hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1"), port, pathname: url.pathname };
}

/** "host:port" as a flag takes it: IPv6 addresses in brackets. */
export function formatHostPort(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/**
 * An allowlist entry: "api.example.com", "*.example.com", "127.0.0.1:9000",
 * "[::1]:9000", a bare IPv6 address, or "*". Without a port, any port.
 */
function parseEntry(entry: string): Entry | undefined {
  const e = entry.trim().toLowerCase();
  if (e.startsWith("[")) {
    const m = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/.exec(e);
    if (!m || isIP(m[1]!) !== 6) return undefined;
    return m[2] === undefined ? { host: m[1]! } : portEntry(m[1]!, m[2]);
  }
  if (isIP(e) === 6) return { host: e };
  const m = /^(\*|(?:\*\.)?[a-z0-9_.-]+)(?::(\d{1,5}))?$/.exec(e);
  if (!m) return undefined;
  return m[2] === undefined ? { host: m[1]! } : portEntry(m[1]!, m[2]);
}

function portEntry(host: string, port: string): Entry | undefined {
  const n = Number(port);
  return n >= 1 && n <= 65535 ? { host, port: n } : undefined;
}

/** Why an outboundHosts entry is malformed, or undefined when it is fine. */
export function outboundEntryProblem(entry: string): string | undefined {
  return parseEntry(entry)
    ? undefined
    : `"${entry}" is not host[:port]: use e.g. api.example.com, *.example.com, 127.0.0.1:9000, [::1]:9000 or *`;
}

/**
 * Whether a script may connect to `uri` by the allowlist. Entries are
 * host[:port]: "api.example.com", "*.example.com" (any subdomain),
 * "127.0.0.1:9000", "[::1]:9000", or "*" (any host). An entry without a port
 * allows every port of its host.
 */
export function outboundAllowed(uri: string, allowed: readonly string[]): boolean {
  const target = parseTarget(uri);
  return target !== undefined && targetAllowed(target, allowed);
}

export function targetAllowed(target: OutboundTarget, allowed: readonly string[]): boolean {
  return allowed.some((raw) => {
    const entry = parseEntry(raw);
    if (!entry || (entry.port !== undefined && entry.port !== target.port)) return false;
    if (entry.host === "*" || entry.host === target.host) return true;
    return entry.host.startsWith("*.") && target.host.endsWith(entry.host.slice(1));
  });
}
