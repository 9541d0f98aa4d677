import type { IncomingMessage } from "node:http";

/** The scheme a page on this server was loaded with: https: behind TLS or a proxy that says so. */
function pageScheme(req: IncomingMessage): "http:" | "https:" {
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
  const forwarded = String(req.headers["x-forwarded-proto"] ?? "").split(",")[0]!.trim().toLowerCase();
  return encrypted || forwarded === "https" ? "https:" : "http:";
}

/**
 * Whether a handshake's Origin may connect. No Origin (a non-browser client)
 * always may; so may a listed origin, any with "*", and the same origin: the
 * scheme this server speaks and the host the request names.
 */
export function originAllowed(req: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (!origin || allowed.includes("*") || allowed.includes(origin)) return true;
  try {
    const url = new URL(origin);
    const host = req.headers.host?.toLowerCase();
    return url.protocol === pageScheme(req) && host !== undefined && url.host === host;
  } catch {
    return false;
  }
}
