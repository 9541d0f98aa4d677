import type { SocketClusterOptions } from "../../config/socketcluster-options.js";
import type { Logger } from "../../log/logger.js";
import type { ChannelConnection } from "../../ops/channel-service.js";
import { toPayload } from "../../peers/feed.js";
import { ProtocolConnection } from "../../peers/protocol-connection.js";
import type { Session } from "../../peers/sessions.js";
import { EventKind } from "../../protocol/events.js";
import type { HandlerModule } from "../../sandbox/handler-module.js";
import { expired, type TokenKeys } from "./auth.js";
import { ScCloseCodes } from "./close-codes.js";
import { isHookFault, namedError, ScErrors } from "./errors.js";
import { answerFrame, callId, errorFrame, eventFrame, PING, readFrame, type Packet, type WireError } from "./frames.js";
import type { ChannelIndex } from "./channel-index.js";

/** What every socketcluster session shares: the node's keys, channels and engine. */
export interface ScContext {
  readonly keys: TokenKeys;
  readonly index: ChannelIndex;
  readonly log: Logger;
  /** Publishes on a channel of `project` through the engine (every node's subscribers get it). */
  publish(project: string, channel: string, dataJson: string, except: readonly string[]): Promise<void>;
  /** What `aerostat.recover` answers (history since a position). */
  recover(project: string, data: unknown): Promise<unknown>;
  /** Counts RPC calls and their errors by name, for the dashboard. */
  countCall(endpoint: string, errorName?: string): void;
  /** Answers the first packet, `#handshake` (handshake.ts). */
  handshake(s: ScSession, packet: Packet, cid: number): Promise<void>;
  /** Handles a packet of an open connection (packets.ts). */
  packet(s: ScSession, packet: Packet): Promise<void>;
}

/** The sign-in state of a connection: the verified token payload, and when it expires. */
export interface SignedIn {
  readonly payload: Record<string, unknown>;
  readonly token: string;
  readonly expiresAt?: number;
}

interface PendingInvoke {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * One connection speaking SocketCluster's protocol. Everything the protocol
 * keeps (handshake, pings, subscriptions, sign-in, call ids) lives here on the
 * host, so a handler reload or a sandbox restart changes none of it; the
 * handler answers hooks. States: connecting (until `#handshake`), open, closed.
 */
export class ScSession extends ProtocolConnection implements ChannelConnection {
  state: "connecting" | "open" | "closed" = "connecting";
  auth: SignedIn | undefined;
  /** Channels subscribed, and those whose onSubscribe asked for sign-in to stay. */
  readonly channels = new Set<string>();
  readonly requireAuth = new Set<string>();
  private readonly invokes = new Map<number, PendingInvoke>();
  private nextCid = 1;
  /** `#handshake` came and is being answered (token check, onHandshake). */
  private handshaking = false;
  /**
   * What came while the connection could not take it yet: behind `#handshake`
   * until it is accepted, or past MAX_IN_FLIGHT hook calls. Handled in order
   * as soon as it can be; reads pause meanwhile, so this holds at most what
   * the reads before the pause brought.
   */
  private readonly held: (() => void)[] = [];
  private handshakeTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private pongTimer: NodeJS.Timeout | undefined;

  constructor(
    session: Session,
    module: HandlerModule,
    readonly options: SocketClusterOptions,
    readonly ctx: ScContext,
    /** The handshake request (url, query, headers, remoteAddress) as JSON text. */
    readonly request: string,
  ) {
    super(session, module, ctx.log);
    this.handshakeTimer = setTimeout(() => this.close(ScCloseCodes.handshakeTimeout, "no #handshake in time"), options.handshakeTimeoutMs);
  }

  /** Whether the connection has closed (checked after every await: the client may have gone meanwhile). */
  get ended(): boolean {
    return this.state === "closed";
  }

  get authPayload(): Record<string, unknown> | undefined {
    return this.auth?.payload;
  }

  get channelLimit(): number {
    return this.options.channelLimit;
  }

  get ackTimeoutMs(): number {
    return this.options.ackTimeoutMs;
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) this.socket.close(code, reason);
  }

  /** Queues a core event (open, message, error, close) for the handler; after the close, only the close. */
  override event(kind: string, payload: unknown, code = 0): void {
    if (kind !== EventKind.close && this.state === "closed") return;
    super.event(kind, payload, code);
  }

  answer(rid: number | undefined, data?: unknown): void {
    if (rid !== undefined) this.send(answerFrame(rid, data));
  }

  fail(rid: number | undefined, error: WireError): void {
    if (rid !== undefined) this.send(errorFrame(rid, error));
  }

  /**
   * Asks the handler's `hook` about this connection (which goes in at index
   * `at` among the arguments; none when undefined), within hookTimeoutMs and
   * counted against the connection's in-flight bound. Resolves with what the
   * hook returned (undefined when it returned nothing).
   */
  ask(hook: string, args: readonly unknown[], at?: number): Promise<unknown> {
    return this.busy(hook, () => this.module.request(hook, args, this.options.hookTimeoutMs, this.asPeer(at)));
  }

  /** ask(), answered with the hook's return value as the JSON text the guest made (undefined when it returned nothing). */
  askJson(hook: string, args: readonly unknown[], at: number): Promise<string | undefined> {
    return this.busy(hook, () => this.module.requestJson(hook, args, this.options.hookTimeoutMs, this.asPeer(at)));
  }

  /** Logs a hook's failure (within the module's log budget): the client hears it by name, the operator here. */
  logHookFailure(hook: string, error: unknown): void {
    this.logFailure(hook, { hook }, error);
  }

  /** Runs `work` (a call of `hook`) counted against the connection's in-flight bound; a failure that is a fault is logged. */
  private busy<T>(hook: string, work: () => Promise<T>): Promise<T> {
    return this.counted(work, (error) => {
      if (isHookFault(error)) this.logHookFailure(hook, error);
    });
  }

  /** Whether what arrives now must wait behind the handshake, the in-flight bound or what waits already. */
  private get mustHold(): boolean {
    return this.handshaking || (this.state === "open" && (this.held.length > 0 || this.saturated));
  }

  private hold(run: () => void): void {
    this.held.push(run);
    if (!this.socket.isPaused) this.socket.pause();
  }

  /** Runs what was held while the connection can take it; reads resume once nothing waits. */
  protected override release(): void {
    while (this.held.length > 0 && this.state === "open" && !this.saturated) this.held.shift()!();
    if (this.held.length === 0) super.release();
  }

  protected override received(data: unknown, isBinary: boolean): void {
    this.pongTimer?.refresh();
    if (isBinary) {
      // Not part of the protocol: the handler's onMessage gets it, as socketcluster-server's "raw".
      const payload = toPayload(data, true);
      if (this.mustHold) this.hold(() => this.event(EventKind.message, payload));
      else if (this.state === "open") this.event(EventKind.message, payload);
      else this.close(ScCloseCodes.messageBeforeHandshake, "a frame came before #handshake");
      return;
    }
    const frame = readFrame(toPayload(data, false) as string);
    if (frame.kind === "pong") {
      this.checkExpiry();
      return;
    }
    if (frame.kind === "raw") {
      const text = frame.text;
      if (this.mustHold) this.hold(() => this.event(EventKind.message, text));
      else if (this.state === "open") this.event(EventKind.message, text);
      else this.close(ScCloseCodes.messageBeforeHandshake, "a frame came before #handshake");
      return;
    }
    for (const packet of frame.packets) {
      if (this.state === "closed") return;
      if (this.mustHold) this.hold(() => this.packet(packet));
      else if (this.state === "open") this.packet(packet);
      else this.first(packet);
    }
  }

  /** A packet of an open connection. */
  private packet(packet: Packet): void {
    this.checkExpiry();
    if (packet.rid !== undefined && packet.event === undefined) this.answered(packet);
    else void this.ctx.packet(this, packet);
  }

  /** The first packet must be the handshake. */
  private first(packet: Packet): void {
    if (packet.event !== "#handshake") {
      this.close(ScCloseCodes.messageBeforeHandshake, "a frame came before #handshake");
      return;
    }
    const cid = callId(packet);
    if (cid === undefined) {
      this.close(ScCloseCodes.handshakeRejected, "#handshake must have a cid");
      return;
    }
    clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    // A client may send more right behind #handshake: it waits for the answer (as socketcluster-server reads on only then).
    this.handshaking = true;
    this.ctx.handshake(this, packet, cid).catch((error: unknown) => {
      this.ctx.log.error({ endpoint: this.endpoint, session: this.id, err: error }, "answering a #handshake failed");
      this.close(ScCloseCodes.handshakeFailed, "the handshake could not be answered");
    });
  }

  /** The handshake was accepted: pings start and the handler's onOpen runs. */
  opened(): void {
    this.state = "open";
    this.pingTimer = setInterval(() => this.send(PING), this.options.pingIntervalMs);
    this.pongTimer = setTimeout(() => this.pongTimedOut(), this.options.pingTimeoutMs);
    this.event(EventKind.open, "");
    this.handshaking = false;
    this.release();
  }

  /** Nothing came for pingTimeoutMs: closed 4001, unless its reads are held (its pongs wait unread behind slow hooks). */
  private pongTimedOut(): void {
    if (this.socket.isPaused && this.state === "open") {
      this.pongTimer?.refresh();
      return;
    }
    this.close(ScCloseCodes.pongTimeout, "no pong in time");
  }

  /** Signs the connection in with a verified token (and tells the client when `tell`). */
  signIn(auth: SignedIn, tell: boolean): void {
    this.auth = auth;
    if (tell) this.send(eventFrame("#setAuthToken", { token: auth.token }));
  }

  /**
   * Signs the connection out: channels whose onSubscribe asked for sign-in are
   * kicked out, and (unless the client itself signed out) the client is told
   * to forget its token.
   */
  signOut(why: string, tell = true): void {
    if (!this.auth) return;
    this.auth = undefined;
    if (tell) this.send(eventFrame("#removeAuthToken"));
    for (const channel of [...this.requireAuth]) this.kickOut(channel, why);
  }

  /** A token that expired is taken away on the next packet or pong, as socketcluster-server does. */
  private checkExpiry(): void {
    if (this.auth && expired(this.auth.expiresAt)) this.signOut("the auth token expired");
  }

  subscribe(channel: string, requireAuth: boolean): void {
    if (requireAuth) this.requireAuth.add(channel);
    else this.requireAuth.delete(channel);
    if (this.channels.has(channel)) return;
    this.channels.add(channel);
    this.ctx.index.add(this.project, channel, this);
  }

  unsubscribe(channel: string): void {
    this.requireAuth.delete(channel);
    if (!this.channels.delete(channel)) return;
    this.ctx.index.remove(this.project, channel, this);
  }

  kickOut(channel: string, message: unknown): void {
    if (!this.channels.has(channel)) return;
    this.unsubscribe(channel);
    this.send(eventFrame("#kickOut", { channel, message: message ?? null }));
  }

  /** The server asks a client procedure; resolves with its `request.end()` value. */
  invoke(procedure: string, data: unknown, timeoutMs: number): Promise<unknown> {
    if (this.state !== "open") return Promise.reject(namedError(ScErrors.badConnection, `connection ${this.id} is not open`));
    const cid = this.nextCid++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.invokes.delete(cid);
        reject(namedError(ScErrors.timeout, `the client did not answer "${procedure}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.invokes.set(cid, { resolve, reject, timer });
      if (!this.send(eventFrame(procedure, data ?? null, cid))) {
        clearTimeout(timer);
        this.invokes.delete(cid);
        reject(namedError(ScErrors.badConnection, `connection ${this.id} could not be sent "${procedure}"`));
      }
    });
  }

  transmit(receiver: string, data: unknown): boolean {
    return this.state === "open" && this.send(eventFrame(receiver, data ?? null));
  }

  private answered(packet: Packet): void {
    const rid = typeof packet.rid === "number" ? packet.rid : NaN;
    const pending = this.invokes.get(rid);
    if (!pending) return;
    this.invokes.delete(rid);
    clearTimeout(pending.timer);
    if (packet.error !== undefined && packet.error !== null) pending.reject(clientError(packet.error));
    else pending.resolve(packet.data ?? null);
  }

  protected override onClosed(code: number, reason: string): void {
    if (this.state === "closed") return;
    const wasOpen = this.state === "open";
    this.state = "closed";
    this.handshaking = false;
    this.held.length = 0;
    clearTimeout(this.handshakeTimer);
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    for (const channel of [...this.channels]) this.unsubscribe(channel);
    for (const [, p] of this.invokes) {
      clearTimeout(p.timer);
      p.reject(namedError(ScErrors.badConnection, `connection ${this.id} closed (${code}) before it answered`));
    }
    this.invokes.clear();
    // The handler heard onOpen only after the handshake; onClose pairs with it.
    if (wasOpen) this.event(EventKind.close, reason, code);
  }
}

/** What a client's request.error() sent, as an Error with its name and JSON-safe fields. */
function clientError(raw: unknown): Error {
  if (!raw || typeof raw !== "object") return namedError("Error", String(raw));
  const r = raw as Record<string, unknown>;
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (v === null || typeof v !== "object") fields[k] = v;
  return namedError(typeof r["name"] === "string" ? r["name"] : "Error", typeof r["message"] === "string" ? r["message"] : "the client answered with an error", fields);
}
