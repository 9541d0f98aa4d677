import type { LookupFunction } from "node:net";
import { WebSocket, type RawData } from "ws";
import type { EvqMode } from "../../../protocol/evqueue.js";
import { reconnectDelay } from "../../../peers/clients.js";
import { parseXml, writeXml, type XmlNode } from "../xml.js";
import { CallQueue, type Greeting } from "./call-queue.js";
import { closedError, ClusterErrorCodes, failureError, type NodeFailure } from "./errors.js";
import { ClusterLimits } from "./limits.js";
import type { NodeTarget } from "./node-targets.js";
import { PongCheck } from "./pong-check.js";
import { challengeResponse } from "./sign-in.js";

/**
 * One WebSocket to one evQueue node in one mode ("api" or "events"): the
 * handshake with its subprotocol, the challenge sign-in, <ready>, API calls
 * one at a time (evQueue's answers carry no id: they come in order), and
 * reconnecting with backoff after a drop. Its reported state stays ERROR
 * from a failure until it is READY again, so retries do not flap.
 */

/** What GetStates() says of a node. */
export type SocketState = "CONNECTING" | "AUTHENTICATING" | "READY" | "ERROR" | "CLOSED";

export type { Greeting } from "./call-queue.js";

export interface SocketOwner {
  /** False when what made the socket is gone: it does not connect (again). */
  alive(): boolean;
  /** The state or last error changed. */
  changed(socket: EvqSocket): void;
  /** It just became READY. */
  ready(socket: EvqSocket): void;
  /** A frame on a READY events socket. */
  eventFrame(socket: EvqSocket, frame: XmlNode): void;
  /** Something worth a log line: a failure, a node back, a frame that was not understood. */
  note(socket: EvqSocket, level: "info" | "warn", message: string): void;
}

type Phase = "idle" | "opening" | "signing" | "ready";

export class EvqSocket {
  state: SocketState = "CONNECTING";
  lastError: NodeFailure | null = null;
  /** What went wrong last, for the state hook and the log (never a password). */
  message = "";
  greeting: Greeting | undefined;
  private phase: Phase = "idle";
  private ws: WebSocket | undefined;
  private closed = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private signInTimer: NodeJS.Timeout | undefined;
  private socketError = "";
  private readonly pongs: PongCheck;
  /** Counts connections: an ack for an event of an earlier connection is not sent (the node forgot it). */
  connection = 0;
  private readonly calls = new CallQueue(
    () => this.label,
    (timeoutMs) => {
      if (this.ws) this.drop(this.ws, ClusterErrorCodes.connection, `did not answer a call within ${timeoutMs} ms`);
    },
  );

  constructor(
    readonly target: NodeTarget,
    readonly mode: EvqMode,
    private readonly lookup: LookupFunction,
    private readonly owner: SocketOwner,
    pingIntervalMs: number = ClusterLimits.pingIntervalMs,
  ) {
    this.pongs = new PongCheck(pingIntervalMs, (ws) => this.drop(ws, ClusterErrorCodes.connection, `no pong within ${pingIntervalMs} ms`));
  }

  /** The node's name once it said it, else what the script gave. */
  get label(): string {
    return this.greeting?.node ?? this.target.given;
  }

  /** Connects after the current turn (so createCluster returns at once). */
  open(): void {
    this.retryTimer = setTimeout(() => this.connect(), 0);
  }

  private connect(): void {
    this.retryTimer = undefined;
    if (this.closed) return;
    if (!this.owner.alive()) return;
    this.phase = "opening";
    this.socketError = "";
    this.connection++;
    if (this.state !== "ERROR") this.setState("CONNECTING");
    const ws = new WebSocket(this.target.url, this.mode, {
      lookup: this.lookup,
      handshakeTimeout: ClusterLimits.handshakeTimeoutMs,
      maxPayload: ClusterLimits.maxFrameBytes,
      followRedirects: false,
    });
    this.ws = ws;
    ws.on("open", () => {
      this.signInTimer = setTimeout(() => this.drop(ws, ClusterErrorCodes.connection, `no <ready> within ${ClusterLimits.signInTimeoutMs} ms of connecting`), ClusterLimits.signInTimeoutMs);
    });
    ws.on("message", (data, isBinary) => this.received(ws, data, isBinary));
    ws.on("error", (error) => (this.socketError = error.message));
    ws.on("close", (code, reason) => this.closedBy(ws, code, reason.toString("utf8")));
  }

  private received(ws: WebSocket, data: RawData, isBinary: boolean): void {
    if (ws !== this.ws) return;
    if (isBinary) {
      this.owner.note(this, "warn", "sent a binary frame, which evQueue's protocol has not; it was ignored");
      return;
    }
    let frame: XmlNode;
    try {
      frame = parseXml(String(data), ClusterLimits.maxFrameChars, ClusterLimits.maxFrameTags);
    } catch (error) {
      const why = `sent a frame that is not readable XML: ${(error as Error).message}`;
      if (this.phase !== "ready") this.drop(ws, ClusterErrorCodes.protocol, why);
      else if (this.calls.answering) this.answer(undefined, failureError(this.label, ClusterErrorCodes.protocol, `evQueue node ${this.label} ${why}`));
      else this.owner.note(this, "warn", why);
      return;
    }
    if (this.phase !== "ready") this.signIn(ws, frame);
    else if (this.mode === "events") this.owner.eventFrame(this, frame);
    else if (this.calls.answering) this.answer(frame);
    else this.owner.note(this, "warn", `sent a <${frame.name}> frame no call asked for; it was ignored`);
  }

  /** The frames before <ready>: the challenge, then <ready> (or a KO). */
  private signIn(ws: WebSocket, frame: XmlNode): void {
    const a = frame.attributes;
    if (a["status"] === "KO") {
      const failure = this.phase === "signing" ? ClusterErrorCodes.authentication : ClusterErrorCodes.protocol;
      this.drop(ws, failure, `answered ${a["error-code"] ?? "KO"}: ${a["error"] ?? "no reason given"}`);
      return;
    }
    if (frame.name === "auth" && this.phase === "opening") {
      const credentials = this.target.credentials;
      if (!credentials) {
        this.drop(ws, ClusterErrorCodes.authentication, "asks to sign in, but no credentials are configured for it: give the node as a --connection name with user:password in its URL, or name one in options.connection");
        return;
      }
      const response = challengeResponse(a["challenge"] ?? "", credentials.passwordSha1);
      if (!response) {
        this.drop(ws, ClusterErrorCodes.protocol, "sent a challenge that is not hex");
        return;
      }
      this.phase = "signing";
      if (this.state !== "ERROR") this.setState("AUTHENTICATING");
      ws.send(writeXml({ name: "auth", attributes: { response, user: credentials.user } }));
      return;
    }
    if (frame.name !== "ready") {
      this.drop(ws, ClusterErrorCodes.protocol, `sent <${frame.name}> where <auth> or <ready> was expected: is it an evQueue node?`);
      return;
    }
    clearTimeout(this.signInTimer);
    const modules = new Set((frame.children.find((c) => c.name === "modules")?.children ?? []).map((m) => m.attributes["name"] ?? "").filter((n) => n !== ""));
    this.greeting = { node: a["node"] || this.target.given, version: a["version"] ?? "", profile: a["profile"] ?? "", modules };
    this.phase = "ready";
    const wasDown = this.lastError !== null;
    this.attempt = 0;
    this.lastError = null;
    this.message = "";
    this.setState("READY");
    if (wasDown) this.owner.note(this, "info", "is back");
    this.pongs.start(ws);
    this.owner.ready(this);
    this.pump();
  }

  /** Ends this connection for `failure`; closedBy() then reports it and schedules the retry. */
  private drop(ws: WebSocket, failure: NodeFailure, why: string): void {
    if (ws !== this.ws) return;
    this.fail(failure, why);
    ws.terminate();
  }

  private closedBy(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.ws = undefined;
    clearTimeout(this.signInTimer);
    this.pongs.stop();
    if (this.closed) return;
    if (this.phase !== "idle") {
      // Closed by the node (or the network): while signing in, that is evQueue's answer to wrong credentials.
      const auth = this.phase === "signing" || /authentication/i.test(reason);
      const said = reason ? ` (${code} "${reason}")` : code === 1006 && this.socketError ? ` (${this.socketError})` : ` (${code})`;
      const why = auth ? `refused the credentials of ${this.target.connection ? `connection "${this.target.connection}"` : "this node"}${said}` : `${this.phase === "ready" ? "dropped the connection" : "could not be reached"}${said}`;
      this.fail(auth ? ClusterErrorCodes.authentication : ClusterErrorCodes.connection, why);
    }
    this.phase = "idle";
    const wait = this.lastError === ClusterErrorCodes.authentication ? ClusterLimits.authRetryMs : reconnectDelay(++this.attempt);
    this.retryTimer = setTimeout(() => this.connect(), wait);
    this.retryTimer.unref();
  }

  /** Records the failure (once per connection), fails what waits on it and tells the owner. */
  private fail(failure: NodeFailure, why: string): void {
    if (this.phase === "idle") return;
    this.phase = "idle";
    const repeated = this.state === "ERROR" && this.lastError === failure;
    this.lastError = failure;
    this.message = `evQueue node ${this.label} (${this.target.shown}) ${why}`;
    this.calls.failAll((sent) => failureError(this.label, failure, this.message, sent));
    if (!repeated) this.owner.note(this, "warn", why + (failure === ClusterErrorCodes.authentication ? `; trying again in ${ClusterLimits.authRetryMs / 1000} s` : "; connecting again with backoff"));
    this.setState("ERROR", true);
  }

  private setState(state: SocketState, always = false): void {
    if (this.state === state && !always) return;
    this.state = state;
    this.owner.changed(this);
  }

  /**
   * Sends an API command and resolves with the response root (or undefined
   * when `skip` says so once the node is ready); a KO rejects with an
   * ApiError. A socket in ERROR rejects at once, with its failure.
   */
  call(xml: string, timeoutMs: number, skip: (greeting: Greeting) => boolean): Promise<XmlNode | undefined> {
    if (this.closed) return Promise.reject(closedError(this.label, "the cluster was closed"));
    if (this.state === "ERROR") return Promise.reject(failureError(this.label, this.lastError ?? ClusterErrorCodes.connection, this.message));
    const answered = this.calls.add(xml, timeoutMs, skip);
    this.pump();
    return answered;
  }

  private pump(): void {
    const ws = this.ws;
    if (this.phase === "ready" && ws && this.greeting) this.calls.pump(this.greeting, (text) => ws.send(text));
  }

  private answer(frame: XmlNode | undefined, error?: Error): void {
    this.calls.answer(frame, error);
    this.pump();
  }

  /** Sends a frame on a READY socket (events mode); false when it is not ready. */
  send(frame: string): boolean {
    if (this.phase !== "ready" || !this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(frame);
    return true;
  }

  /** Stops reading (the handler is behind on this node's events), or reads again. */
  pause(): void {
    if (this.ws?.readyState === WebSocket.OPEN && !this.ws.isPaused) this.ws.pause();
  }

  resume(): void {
    if (!this.ws?.isPaused) return;
    this.pongs.fresh();
    this.ws.resume();
  }

  /** Closes for good: what waits rejects with `why`. */
  close(why: string): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.signInTimer);
    this.pongs.stop();
    this.calls.failAll((sent) => closedError(this.label, why, sent));
    this.state = "CLOSED";
    const ws = this.ws;
    this.ws = undefined;
    if (ws && ws.readyState === WebSocket.OPEN) ws.close(1000, "closed");
    else ws?.terminate();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The reconnect attempt under way or waited for; 0 while connected. */
  get attempts(): number {
    return this.attempt;
  }

  get readyState(): number {
    return this.ws?.readyState ?? WebSocket.CONNECTING;
  }
}
