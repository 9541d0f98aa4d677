import type { EvqOptions } from "../../config/evqueue-options.js";
import type { Logger } from "../../log/logger.js";
import type { RateLimitedLog } from "../../log/rate-limited.js";
import type { AskBudget } from "../../peers/ask-budget.js";
import { toPayload } from "../../peers/feed.js";
import { ProtocolConnection } from "../../peers/protocol-connection.js";
import type { Session } from "../../peers/sessions.js";
import { CloseCodes } from "../../protocol/close-codes.js";
import { EventKind } from "../../protocol/events.js";
import { EvqErrorCodes, EvqHooks, EvqSubprotocols, type EvqMode } from "../../protocol/evqueue.js";
import type { HandlerModule } from "../../sandbox/handler-module.js";
import { askApi, type ApiAsk, type SessionInfo } from "./api-call.js";
import { NO_AUTH_PROFILE } from "./auth.js";
import { EventsMode, type EventsConnection, type EventsContext } from "./events-mode.js";
import { koFrame, MAX_FRAME_TAGS, MAX_HELD_FRAME_CHARS, queryOf, readyFrame } from "./frames.js";
import { OrderedReplies } from "./ordered-replies.js";
import { SignIn, type SignInConnection, type SignInContext } from "./sign-in.js";
import type { EvqCounters } from "./stats.js";
import { parseXml, XmlError, type XmlNode } from "./xml.js";

/** What every evQueue connection of this node shares. */
export interface EvqContext extends SignInContext {
  readonly log: Logger;
  readonly asks: AskBudget;
  /** Frames and commands the host failed to handle (its bugs), at most a few lines a second per endpoint: a client may repeat what triggers one. */
  readonly bugLog: RateLimitedLog;
}

/** Replies one "api" connection may have waiting (for their answer or an earlier one's); past it the connection is closed. */
export const MAX_WAITING_REPLIES = 1024;

type State = "signing-in" | "ready" | "closed";

/**
 * One connection speaking evQueue: the sign-in (challenge, HMAC, <ready>),
 * then commands answered in order ("api"), or subscriptions (EventsMode,
 * "events"). The handler is asked through onAuth and onApi; nothing a client
 * sends can throw out of here.
 */
export class EvqSession extends ProtocolConnection implements EventsConnection, SignInConnection {
  readonly mode: EvqMode;
  ask: ApiAsk;
  private state: State = "signing-in";
  private info: SessionInfo;
  private readonly signIn: SignIn;
  private readonly replies = new OrderedReplies(
    (frame) => this.send(frame),
    (heldChars) => {
      this.warn(`evQueue connection ${this.id} has ${heldChars} characters of replies waiting behind a slower command (at most ${MAX_HELD_FRAME_CHARS}); it is closed (1013)`);
      this.close(CloseCodes.tryAgainLater, "too many reply bytes waiting behind a slow command; reconnect");
    },
  );
  private events: EventsMode | undefined;
  /** Whether the connection was let in without a sign-in (the handler exported no onAuth then). */
  private openAccess = false;
  /** close() was called: frames still arriving are not read. */
  private closing = false;
  /** <ready> went out and the handler's onOpen was queued (its onClose follows). */
  private opened = false;

  constructor(
    session: Session,
    module: HandlerModule,
    readonly options: EvqOptions,
    readonly counters: EvqCounters,
    private readonly ctx: EvqContext,
    private readonly eventsContext: EventsContext,
  ) {
    super(session, module, ctx.log);
    this.mode = session.socket.protocol === EvqSubprotocols.events ? "events" : "api";
    this.info = { id: session.id, user: null, profile: NO_AUTH_PROFILE, mode: this.mode, node: ctx.node, endpoint: session.endpoint };
    this.ask = {
      module,
      session: this.info,
      timeoutMs: options.hookTimeoutMs,
      asks: ctx.asks,
      logFailure: (what, error) => this.logFailure(what, {}, error),
    };
    // Scripts see it once it has signed in (onOpen runs then), and never send it raw frames.
    session.visible = false;
    session.noRawFrames = `endpoint "${session.endpoint}" speaks evQueue, whose clients read only the XML frames the server writes: answer them from onApi, or reach them with createEvent()`;
    this.signIn = new SignIn(this, ctx);
    if (module.hooks.has(EvqHooks.auth)) this.signIn.start();
    else {
      this.openAccess = true;
      this.ready(null, NO_AUTH_PROFILE);
    }
  }

  /** The handler hears of the connection (onOpen, onError, onClose) only once it has signed in. */
  protected override event(kind: string, payload: unknown, code = 0): void {
    if (this.opened) super.event(kind, payload, code);
  }

  /** Subscriptions this connection holds. */
  get subscriptionCount(): number {
    return this.events?.subscriptionCount ?? 0;
  }

  /** Whether it was let in without a sign-in while its handler now asks for one (it exports onAuth since a reload). */
  get mustSignIn(): boolean {
    return this.openAccess && this.state !== "closed" && this.module.hooks.has(EvqHooks.auth);
  }

  close(code: number, reason: string): void {
    this.closing = true;
    this.session.close(code, reason);
  }

  warn(message: string, fields: Record<string, unknown> = {}): void {
    if (this.module.logBudget.take()) this.log.warn({ handler: this.module.key, endpoint: this.endpoint, session: this.id, ...fields }, message);
  }

  get remoteAddress(): string {
    return this.session.remoteAddress;
  }

  get isClosed(): boolean {
    return this.state === "closed";
  }

  override logFailure(what: string, fields: Readonly<Record<string, unknown>>, error: unknown): void {
    super.logFailure(what, fields, error);
  }

  protected override received(data: unknown, isBinary: boolean): void {
    try {
      this.frame(data, isBinary);
    } catch (error) {
      // A bug of the host's: told to the operator, and to the client as a KO; the connection stays.
      this.hostBug(`a frame of ${this.id} could not be handled`, error);
      if (this.state === "ready") this.reply(koFrame(this.ctx.node, EvqErrorCodes.internal, "the server could not handle this frame"));
      else this.close(CloseCodes.internalError, "the server could not handle this frame");
    }
  }

  private frame(data: unknown, isBinary: boolean): void {
    if (this.state === "closed" || this.closing) return;
    if (this.state !== "ready") return this.signIn.frame(data, isBinary);
    const text = isBinary ? undefined : (toPayload(data, false) as string);
    if (!this.events && this.replies.waiting >= MAX_WAITING_REPLIES) {
      this.warn(`evQueue connection ${this.id} has ${MAX_WAITING_REPLIES} replies waiting (commands sent without waiting for their answers); it is closed`);
      return this.close(CloseCodes.policyViolation, "too many commands waiting for their replies");
    }
    let root: XmlNode;
    try {
      if (text === undefined) throw new XmlError("evQueue frames are XML text; a binary frame was sent");
      root = parseXml(text, this.options.maxFrameChars, MAX_FRAME_TAGS);
    } catch (error) {
      if (!(error instanceof XmlError)) throw error;
      return this.reply(koFrame(this.ctx.node, EvqErrorCodes.invalidParameter, error.message));
    }
    if (this.events) return this.events.frame(root);
    if (root.name === "auth") return this.reply(koFrame(this.ctx.node, EvqErrorCodes.invalidParameter, "this connection is signed in already"));
    const slot = this.replies.take();
    void this.counted(() => askApi(this.ask, queryOf(root), undefined), () => undefined).then(
      (frame) => this.replies.fill(slot, frame),
      (error: unknown) => {
        this.hostBug(`a command of ${this.id} could not be answered`, error);
        this.replies.fill(slot, koFrame(this.ctx.node, EvqErrorCodes.internal, "the server could not answer this command"));
      },
    );
  }

  /** Logs an unexpected failure (a bug of the host's), within the endpoint's budget for such lines. */
  private hostBug(what: string, error: unknown): void {
    const e = error as Error;
    this.ctx.bugLog.error(this.endpoint, { endpoint: this.endpoint, session: this.id, err: error }, `evQueue: ${what}: ${String(e?.name ?? "Error")}: ${String(e?.message ?? error)}`);
  }

  /** A reply that is not an answer of onApi: in api mode after the replies before it, in events mode at once. */
  private reply(frame: string): void {
    if (this.events) {
      this.send(frame);
      return;
    }
    this.replies.fill(this.replies.take(), frame);
  }

  /** Signed in (SignIn checked the answer). */
  signedIn(user: string, profile: string): void {
    if (this.state === "signing-in") this.ready(user, profile);
  }

  private ready(user: string | null, profile: string): void {
    this.state = "ready";
    this.info = { ...this.info, user, profile };
    this.ask = { ...this.ask, session: this.info };
    this.send(readyFrame(profile, this.options.version, this.ctx.node, this.options.modules));
    if (this.mode === "events") this.events = new EventsMode(this, this.eventsContext);
    this.session.visible = true;
    this.opened = true;
    this.event(EventKind.open, "");
  }

  protected override onClosed(code: number, reason: string): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.signIn.stop();
    this.replies.clear();
    this.events?.close();
    this.event(EventKind.close, reason, code);
  }
}
