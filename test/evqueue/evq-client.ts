import WebSocket from "ws";
import { parseXml, type XmlNode } from "../../src/protocols/evqueue/xml.js";
import { challengeResponse, sha1Hex } from "../helpers/evqueue-engine.js";
import { waitUntil } from "../helpers/runtime.js";

/** The SHA1 of a password as evQueue stores it (hex). */
export const sha1 = sha1Hex;

/** An evQueue client's answer to a challenge: HMAC-SHA1 keyed by the password SHA1's bytes over the challenge's bytes, hex. */
export function hmac(passwordSha1: string, challenge: string): string {
  return challengeResponse(challenge, passwordSha1);
}

/** base64 of UTF-8 text, as a subscribe's api_cmd. */
export function b64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

/** A subscribe frame. */
export function subscribeFrame(type: string, apiCmd: string, opts: { sendNow?: boolean; objectId?: number; externalId?: number } = {}): string {
  const extra = `${opts.objectId !== undefined ? ` object_id="${opts.objectId}"` : ""}${opts.externalId !== undefined ? ` external_id="${opts.externalId}"` : ""}`;
  return `<event action="subscribe" type="${type}" api_cmd="${b64(apiCmd)}" send_now="${opts.sendNow ? "yes" : "no"}"${extra}/>`;
}

/** A raw ws client that speaks evQueue's XML frames and keeps every frame it got, parsed, in order. */
export class EvqClient {
  readonly frames: XmlNode[] = [];
  /** Frames taken by next(): the next call looks after them. */
  private seen = 0;
  readonly closed: Promise<{ code: number; reason: string }>;
  /** The close code and reason, once closed. */
  closeInfo: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => this.frames.push(parseXml(String(data))));
    this.closed = new Promise((resolve) =>
      ws.once("close", (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
      }),
    );
  }

  /** Opens `url` asking for `subprotocol` ("api" or "events"); resolves once open. */
  static async connect(url: string, subprotocol: string | string[] = "api"): Promise<EvqClient> {
    const ws = new WebSocket(url, subprotocol);
    const client = new EvqClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    return client;
  }

  /** Opens and signs in (when challenged) with `user` and the password SHA1; resolves with the <ready> frame. */
  static async ready(url: string, subprotocol = "api", credentials?: { user: string; passwordSha1: string }): Promise<EvqClient> {
    const c = await EvqClient.connect(url, subprotocol);
    const first = await c.next();
    if (first.name === "auth") {
      if (!credentials) throw new Error("the server asked for a sign-in");
      c.send(`<auth response="${hmac(credentials.passwordSha1, first.attributes["challenge"]!)}" user="${credentials.user}"/>`);
      const ready = await c.next();
      if (ready.name !== "ready") throw new Error(`no <ready> but <${ready.name}>`);
    } else if (first.name !== "ready") throw new Error(`no <ready> but <${first.name}>`);
    return c;
  }

  /** The close code and reason, waiting at most `timeoutMs` for the close. */
  closedWithin(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    return waitUntil(() => this.closeInfo, timeoutMs, "the connection to close");
  }

  send(text: string): void {
    this.ws.send(text);
  }

  /** The next frame after those already taken (waiting for it). */
  async next(timeoutMs = 5000): Promise<XmlNode> {
    await waitUntil(() => this.frames.length > this.seen, timeoutMs, "an evQueue frame");
    return this.frames[this.seen++]!;
  }

  /** Sends `text` and resolves with the next frame. */
  async ask(text: string, timeoutMs = 5000): Promise<XmlNode> {
    this.send(text);
    return this.next(timeoutMs);
  }

  /** The first frame (taken or not) that matches, waiting for it. */
  waitFor(match: (frame: XmlNode) => boolean, timeoutMs = 5000, what = "a matching evQueue frame"): Promise<XmlNode> {
    return waitUntil(() => this.frames.find(match), timeoutMs, what);
  }

  /** Frames that carry an event-id (events), in order. */
  events(): XmlNode[] {
    return this.frames.filter((f) => f.attributes["event-id"] !== undefined);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}
