import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** A fresh dashboard token: 128 random bits, base64url. */
export function newDashboardToken(): string {
  return randomBytes(16).toString("base64url");
}

/** The `token` query parameter of a request, if any. */
function tokenOf(req: IncomingMessage): string | undefined {
  try {
    return new URL(req.url ?? "/", "http://localhost").searchParams.get("token") ?? undefined;
  } catch {
    return undefined;
  }
}

/** Whether a request carries the dashboard's token; compared in constant time. */
export function tokenMatches(req: IncomingMessage, token: string): boolean {
  const given = tokenOf(req);
  return given !== undefined && tokenEquals(given, token);
}

/** Whether `given` is the token; compared in constant time. */
export function tokenEquals(given: string, token: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(given), digest(token));
}

export const TOKEN_REFUSAL =
  "The dashboard needs its token. Open the URL the server printed when it started " +
  '(the "dashboard" line of its banner, e.g. http://127.0.0.1:8080/websockets/v4/?token=…), ' +
  "or read runtime.dashboardUrl when you use aerostat as a library.";
