import type { Request, Response } from "express";
import { REFUSAL_HEADER, refusalHeaderValue, type RecentRefusals } from "./recent-refusals.js";

/**
 * A plain GET (no Upgrade) of a service URL. A browser cannot read why its
 * handshake was refused, so it asks here: when this address was refused at
 * this URL in the last few seconds, the answer has that status and the brief
 * reason in the Aerostat-Refusal header, readable from any origin (a simple
 * request: no preflight). Otherwise 426 Upgrade Required.
 */
export function answerServiceGet(recent: RecentRefusals, req: Request, res: Response): void {
  const origin = req.headers.origin;
  res.set("Cache-Control", "no-store").set("Vary", "Origin");
  if (origin) res.set("Access-Control-Allow-Origin", origin).set("Access-Control-Expose-Headers", REFUSAL_HEADER);
  const refused = recent.recall(req);
  if (refused) {
    res.status(refused.status).set(REFUSAL_HEADER, refusalHeaderValue(refused.brief)).type("text/plain").send(`${refused.brief}\n`);
    return;
  }
  res
    .status(426)
    .set("Upgrade", "websocket")
    .type("text/plain")
    .send("This is a WebSocket service URL. Connect with a WebSocket client, e.g. new WebSocket(url) in a browser.\n");
}
