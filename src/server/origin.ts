import type { IncomingMessage } from "node:http";

/**
 * Whether a handshake's Origin may connect. No Origin (a non-browser client)
 * and same-origin pages always may; other origins must be listed, or "*".
 */
export function originAllowed(req: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (!origin || allowed.includes("*") || allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
