import type { IncomingMessage } from "node:http";

/** The scheme a page on this server was loaded with: https: behind TLS or a proxy that says so. */
function pageScheme(req: IncomingMessage): "http:" | "https:" {
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
  const forwarded = String(req.headers["x-forwarded-proto"] ?? "").split(",")[0]!.trim().toLowerCase();
  return encrypted || forwarded === "https" ? "https:" : "http:";
}

/** What the origin check reads from a handshake, kept for checks made later (a STOMP session's sends). */
export interface OriginFacts {
  readonly origin: string | undefined;
  readonly host: string | undefined;
  readonly scheme: "http:" | "https:";
}

/**
 * A request with no Origin that a browser marks as coming from another site
 * (a <script> or <img> load, a link) counts as from an unknown origin, "null":
 * only "*" lets it through. An Origin over 1 KiB is not kept.
 */
export function originFacts(req: IncomingMessage): OriginFacts {
  const site = req.headers["sec-fetch-site"];
  const given = req.headers.origin;
  const origin = given !== undefined ? (given.length <= 1024 ? given : "null") : site === "cross-site" || site === "same-site" ? "null" : undefined;
  return { origin, host: req.headers.host?.toLowerCase(), scheme: pageScheme(req) };
}

/**
 * Whether a handshake's Origin may connect. No Origin (a non-browser client)
 * always may; so may a listed origin, any with "*", and the same origin: the
 * scheme this server speaks and the host the request names.
 */
export function originAllowed(req: IncomingMessage, allowed: readonly string[]): boolean {
  return originFactsAllowed(originFacts(req), allowed);
}

export function originFactsAllowed(facts: OriginFacts, allowed: readonly string[]): boolean {
  const { origin, host } = facts;
  if (!origin || allowed.includes("*") || allowed.includes(origin)) return true;
  try {
    const url = new URL(origin);
    return url.protocol === facts.scheme && host !== undefined && url.host === host;
  } catch {
    return false;
  }
}
