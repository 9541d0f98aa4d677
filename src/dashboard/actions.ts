import type { IncomingMessage } from "node:http";
import { isLoopbackRequest } from "../server/loopback.js";
import { originAllowed } from "../server/origin.js";
import { dashboardAccess, type DashboardAccess } from "./access.js";
import { TOKEN_REFUSAL, tokenEquals } from "./token.js";

/** Bytes of an action's JSON body read at most. */
export const MAX_ACTION_BODY = 1024;

export type ActionCheck =
  | { ok: true; body: Readonly<Record<string, unknown>> }
  | { ok: false; status: number; reason: string };

/**
 * Whether a dashboard action (a POST) may run, and its JSON body. On top of
 * the page's access rule: another site's page may not send it (its Origin or
 * Sec-Fetch-Site says so, and a JSON body is not a "simple" request, so a
 * browser asks first and this server never says yes), and the body must carry
 * the dashboard token. `loopbackOnly` actions are refused to other machines
 * even when the dashboard is shown to them.
 */
export async function checkAction(
  req: IncomingMessage,
  access: DashboardAccess,
  token: string,
  loopbackOnly: boolean,
): Promise<ActionCheck> {
  const decision = dashboardAccess(req, access);
  if (!decision.ok) return decision;
  if (loopbackOnly && !isLoopbackRequest(req)) {
    return { ok: false, status: 403, reason: "This action is only taken from this machine: open the dashboard as http://127.0.0.1:<port>/websockets/v4/." };
  }
  const site = req.headers["sec-fetch-site"];
  if ((site !== undefined && site !== "same-origin" && site !== "none") || !originAllowed(req, [])) {
    return { ok: false, status: 403, reason: `A page from ${req.headers.origin ?? `another site (${site})`} may not act on the dashboard; use the page this server serves.` };
  }
  if (!/^application\/json\s*(;|$)/i.test(req.headers["content-type"] ?? "")) {
    return { ok: false, status: 415, reason: 'Send the action as JSON (Content-Type: application/json) with the dashboard token in it: {"token": "…"}.' };
  }
  const text = await readBody(req, MAX_ACTION_BODY);
  if (text === undefined) return { ok: false, status: 413, reason: `An action's body is at most ${MAX_ACTION_BODY} bytes.` };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, status: 400, reason: 'The body is not JSON; send {"token": "…"} and the action\'s fields.' };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { ok: false, status: 400, reason: 'The body must be a JSON object: {"token": "…"} and the action\'s fields.' };
  }
  const given = (body as Record<string, unknown>).token;
  if (typeof given !== "string" || !tokenEquals(given, token)) return { ok: false, status: 403, reason: TOKEN_REFUSAL };
  return { ok: true, body: body as Record<string, unknown> };
}

/** The request body as text, or undefined once it passes `max` bytes (the rest is not read). */
function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.removeAllListeners("data");
        req.resume();
        resolve(undefined);
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
