import { createHash, createHmac, randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { parseXml, writeXml, type NodeInput, type XmlNode } from "../../src/protocols/evqueue/xml.js";

/**
 * A stand-in for an evQueue engine on a port of its own, speaking the wire
 * protocol of protocols.md §3.2 (the C++ engine cannot be installed here):
 * subprotocols api and events, the HMAC-SHA1 challenge, <ready>, API
 * responses from a function the test gives, subscriptions with send_now,
 * events raised by the test with event ids and acks. Throttling is left to
 * aerostat's own endpoint; this engine sends every event.
 * It records the frames it received, so a test can check what a client sent.
 */

export interface EngineSubscription {
  readonly socket: WebSocket;
  readonly type: string;
  readonly api: XmlNode;
  readonly objectId: number;
  readonly externalId: number;
}

export interface EngineOptions {
  /** The node name <ready> and every response carry. */
  readonly node?: string;
  /** Sign-in on: these users and their passwords (the engine keeps their SHA1, as evQueue does). */
  readonly users?: Readonly<Record<string, string>>;
  readonly version?: string;
  readonly modules?: Readonly<Record<string, string>>;
  /** The children of a response to an API query (default: none). Throw an Error with `code` for a KO. */
  readonly api?: (query: XmlNode) => NodeInput[];
  /** How long to wait before answering an API query, in ms (default 0). The engine answers each query after its own delay, so a client that pipelines would see answers out of order. */
  readonly answerDelayMs?: (query: XmlNode) => number;
  /** Queries this says yes to are not answered: the engine drops the connection instead (as a crash mid-command would). */
  readonly dropOn?: (query: XmlNode) => boolean;
  /** The port to listen on (0: a free one; a restart reuses the first one). */
  readonly port?: number;
}

export const sha1Hex = (text: string): string => createHash("sha1").update(text, "utf8").digest("hex");

/** The response an evQueue client computes for a challenge: HMAC-SHA1 keyed with the SHA1's bytes, over the challenge's bytes. */
export const challengeResponse = (challengeHex: string, passwordSha1Hex: string): string =>
  createHmac("sha1", Buffer.from(passwordSha1Hex, "hex")).update(Buffer.from(challengeHex, "hex")).digest("hex");

export class EvqEngine {
  readonly received: { mode: string; frame: XmlNode }[] = [];
  readonly subscriptions: EngineSubscription[] = [];
  private wss: WebSocketServer | undefined;
  private readonly sockets = new Set<WebSocket>();
  private eventIds = 0;
  port = 0;

  private constructor(private readonly options: EngineOptions) {}

  static async start(options: EngineOptions = {}): Promise<EvqEngine> {
    const engine = new EvqEngine(options);
    await engine.listen(options.port ?? 0);
    return engine;
  }

  get node(): string {
    return this.options.node ?? "engine";
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Open connections, by subprotocol. */
  connections(mode?: "api" | "events"): WebSocket[] {
    return [...this.sockets].filter((s) => mode === undefined || s.protocol === mode);
  }

  private async listen(port: number): Promise<void> {
    const wss = new WebSocketServer({
      port,
      host: "127.0.0.1",
      handleProtocols: (offered) => (offered.has("api") ? "api" : offered.has("events") ? "events" : false),
    });
    await new Promise<void>((resolve, reject) => {
      wss.once("listening", resolve);
      wss.once("error", reject);
    });
    this.wss = wss;
    this.port = (wss.address() as AddressInfo).port;
    wss.on("connection", (socket) => this.connected(socket));
  }

  private send(socket: WebSocket, node: NodeInput): void {
    socket.send(writeXml({ ...node, attributes: { ...node.attributes, node: this.node } }));
  }

  private connected(socket: WebSocket): void {
    this.sockets.add(socket);
    socket.on("close", () => {
      this.sockets.delete(socket);
      for (let i = this.subscriptions.length - 1; i >= 0; i--) if (this.subscriptions[i]!.socket === socket) this.subscriptions.splice(i, 1);
    });
    const users = this.options.users;
    let challenge: string | undefined;
    if (users) {
      challenge = randomBytes(20).toString("hex");
      this.send(socket, { name: "auth", attributes: { challenge, status: "OK" } });
    } else {
      this.ready(socket, "ADMIN");
    }
    socket.on("message", (data) => {
      let frame: XmlNode;
      try {
        frame = parseXml(String(data));
      } catch (error) {
        this.send(socket, { name: "response", attributes: { status: "KO", error: (error as Error).message, "error-code": "INVALID_PARAMETER" } });
        return;
      }
      this.received.push({ mode: socket.protocol, frame });
      if (challenge !== undefined) {
        const user = frame.attributes["user"] ?? "";
        const password = users?.[user];
        if (frame.name !== "auth" || password === undefined || frame.attributes["response"] !== challengeResponse(challenge, sha1Hex(password))) {
          socket.close(1011, "Invalid authentication");
          return;
        }
        challenge = undefined;
        this.ready(socket, "ADMIN");
        return;
      }
      if (socket.protocol === "events") this.event(socket, frame);
      else this.respond(socket, frame);
    });
  }

  private ready(socket: WebSocket, profile: string): void {
    const modules = Object.entries(this.options.modules ?? {}).map(([name, version]) => ({ name: "module", attributes: { name, version } }));
    this.send(socket, { name: "ready", attributes: { profile, version: this.options.version ?? "3.3", time: "2026-01-01 00:00:00", status: "OK" }, children: [{ name: "modules", children: modules }] });
  }

  private answer(query: XmlNode, extra: Record<string, string> = {}): NodeInput {
    try {
      return { name: "response", attributes: { status: "OK", ...extra }, children: this.options.api?.(query) ?? [] };
    } catch (error) {
      const e = error as Error & { code?: string };
      return { name: "response", attributes: { status: "KO", error: e.message, "error-code": e.code ?? "UNKNOWN_COMMAND", ...extra } };
    }
  }

  private respond(socket: WebSocket, query: XmlNode): void {
    if (this.options.dropOn?.(query)) {
      socket.terminate();
      return;
    }
    const delay = this.options.answerDelayMs?.(query) ?? 0;
    if (delay <= 0) this.send(socket, this.answer(query));
    else setTimeout(() => socket.readyState === socket.OPEN && this.send(socket, this.answer(query)), delay);
  }

  private event(socket: WebSocket, frame: XmlNode): void {
    const a = frame.attributes;
    if (a["action"] === "subscribe") {
      const api = parseXml(Buffer.from(a["api_cmd"] ?? "", "base64").toString("utf8"));
      const sub: EngineSubscription = { socket, type: a["type"] ?? "", api, objectId: Number(a["object_id"] ?? 0), externalId: Number(a["external_id"] ?? 0) };
      this.subscriptions.push(sub);
      if (a["send_now"] === "yes") this.deliver(sub, String(sub.objectId));
    } else if (a["action"] === "unsubscribe") {
      const objectId = Number(a["object_id"] ?? 0);
      const externalId = Number(a["external_id"] ?? 0);
      for (let i = this.subscriptions.length - 1; i >= 0; i--) {
        const s = this.subscriptions[i]!;
        if (s.socket === socket && s.type === a["type"] && s.objectId === objectId && (externalId === 0 || s.externalId === externalId)) this.subscriptions.splice(i, 1);
      }
    } else if (a["action"] === "unsubscribeall") {
      for (let i = this.subscriptions.length - 1; i >= 0; i--) if (this.subscriptions[i]!.socket === socket) this.subscriptions.splice(i, 1);
    }
  }

  private deliver(sub: EngineSubscription, objectId: string): void {
    const eventId = String(++this.eventIds);
    this.send(sub.socket, this.answer(sub.api, { "external-id": String(sub.externalId), "object-id": objectId, "event-id": eventId }));
  }

  /** Raises an event: every matching subscription gets its API command's result. */
  raise(type: string, objectId = 0): number {
    let sent = 0;
    for (const sub of this.subscriptions) {
      if (sub.type !== type || (sub.objectId !== 0 && sub.objectId !== objectId)) continue;
      this.deliver(sub, String(objectId));
      sent++;
    }
    return sent;
  }

  /** Stops listening and drops every connection (1006 on the client's side); restart() listens again on the same port. */
  async kill(): Promise<void> {
    for (const s of this.sockets) s.terminate();
    this.sockets.clear();
    this.subscriptions.length = 0;
    const wss = this.wss;
    this.wss = undefined;
    if (wss) await new Promise<void>((resolve) => wss.close(() => resolve()));
  }

  async restart(): Promise<void> {
    await this.listen(this.port);
  }

  stop(): Promise<void> {
    return this.kill();
  }
}
