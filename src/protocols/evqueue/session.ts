import type { EvqOptions } from "../../config/evqueue-options.js";
import type { Logger } from "../../log/logger.js";
import type { RateLimitedLog } from "../../log/rate-limited.js";
import { payloadBytes } from "../../peers/accept-session.js";
import { toPayload } from "../../peers/feed.js";
import { ProtocolConnection } from "../../peers/protocol-connection.js";
import type { Session } from "../../peers/sessions.js";
import { CloseCodes } from "../../protocol/close-codes.js";
import { EventKind } from "../../protocol/events.js";
import { EvqErrorCodes, EvqHooks, EvqSubprotocols, type EvqMode } from "../../protocol/evqueue.js";
import type { HandlerModule } from "../../sandbox/handler-module.js";
import { HookError } from "../../sandbox/requests.js";
import type { AskBudget } from "../../peers/ask-budget.js";
import { askApi, type ApiAsk, type SessionInfo } from "./api-call.js";
import { authAnswer, newChallenge, NO_AUTH_PROFILE, signInMatches, type AuthAnswer } from "./auth.js";
import { addressKey, type AuthFailures } from "./auth-failures.js";
import { EventsMode, type EventsConnection, type EventsContext } from "./events-mode.js";
import { challengeFrame, koFrame, MAX_FRAME_TAGS, MAX_HELD_FRAME_CHARS, MAX_SIGN_IN_BYTES, queryOf, readAuth, readyFrame } from "./frames.js";
import { OrderedReplies } from "./ordered-replies.js";
import type { EvqCounters } from "./stats.js";
import { parseXml, XmlError, type XmlNode } from "./xml.js";

/** What every evQueue connection of this node shares. */
export interface EvqContext {
  /** The node's name, as frames carry it. */
  readonly node: string;
  readonly log: Logger;
  readonly asks: AskBudget;
  readonly authFailures: AuthFailures;
  /** Failed sign-ins, at most a few lines a second per endpoint. */
  readonly authLog: RateLimitedLog;
  /** Frames and commands the host failed to handle (its bugs), at most a few lines a second per endpoint: a client may repeat what triggers one. */
  readonly bugLog: RateLimitedLog;
  /** How long a client has to answer the challenge. */
  readonly authTimeoutMs: number;
}

/** Replies one "api" connection may have waiting (for their answer or an earlier one's); past it the connection is closed. */
export const MAX_WAITING_REPLIES = 1024;
/** Characters of a user name a client may sign in with. */
const MAX_USER_CHARS = 256;
const INVALID_AUTH = "Invalid authentication";
const SIGN_IN_FIRST = 'sign in first: answer the challenge with <auth response="…" user="…"/>';

type State = "challenged" | "checking" | "ready" | "closed";

/**
 * One connection speaking evQueue: the sign-in (challenge, HMAC, <ready>),
 * then commands answered in order ("api"), or subscriptions (EventsMode,
 * "events"). The handler is asked through onAuth and onApi; nothing a client
 * sends can throw out of here.
 */
export class EvqSession extends ProtocolConnection implements EventsConnection {
  readonly mode: EvqMode;
  ask: ApiAsk;
  private state: State = "challenged";
  private info: SessionInfo;
  private challenge = "";
  private authTimer: NodeJS.Timeout | undefined;
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
    if (module.hooks.has(EvqHooks.auth)) this.sendChallenge();
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

  private sendChallenge(): void {
    if (this.refusedForFailures()) return;
    this.challenge = newChallenge();
    this.send(challengeFrame(this.challenge, this.ctx.node));
    this.authTimer = setTimeout(() => {
      if (this.state === "challenged") this.close(CloseCodes.policyViolation, "no authentication answer");
    }, this.ctx.authTimeoutMs);
    this.authTimer.unref();
  }

  /** The key this connection's address counts under for failed sign-ins (an IPv6 address by its /64). */
  private get addressKey(): string {
    return addressKey(this.session.remoteAddress);
  }

  /** Closes the connection when its address failed to sign in too often lately, or has too many sign-ins being checked; true when it did. */
  private refusedForFailures(): boolean {
    const { waitMs, checking } = this.ctx.authFailures.blockedFor(this.addressKey, this.options.authFailuresPerMinute);
    if (waitMs === 0) return false;
    this.counters.authFailures++;
    const seconds = Math.ceil(waitMs / 1000);
    if (checking) {
      this.failedSignIn("refused: too many sign-ins at once", undefined);
      this.close(CloseCodes.policyViolation, `too many sign-ins from this address at once; try again in ${seconds} s`);
    } else {
      this.failedSignIn("refused: too many failed sign-ins", undefined);
      this.close(CloseCodes.policyViolation, `too many failed sign-ins from this address; try again in ${seconds} s`);
    }
    return true;
  }

  private failedSignIn(why: string, user: string | undefined): void {
    const address = this.session.remoteAddress;
    const who = user === undefined ? "" : ` as ${JSON.stringify(user.slice(0, 64))}`;
    this.ctx.authLog.warn(this.endpoint, { endpoint: this.endpoint, session: this.id, remote: address, ...(user !== undefined ? { user: user.slice(0, 64) } : {}) }, `evQueue sign-in${who} from ${address} to ${this.endpoint} failed: ${why}`);
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
    if (this.state !== "ready") return this.signInFrame(data, isBinary);
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

  /**
   * Before <ready>: only `<auth response="…" user="…"/>`, once, is taken. A
   * stranger's frame costs next to nothing: over MAX_SIGN_IN_BYTES it is
   * refused unread, and the parser reads at most that much and two tags.
   */
  private signInFrame(data: unknown, isBinary: boolean): void {
    if (this.state === "checking") return this.close(CloseCodes.policyViolation, "wait for <ready> before sending anything else");
    if (payloadBytes(data) > MAX_SIGN_IN_BYTES) return this.close(CloseCodes.policyViolation, `${SIGN_IN_FIRST}, in at most ${MAX_SIGN_IN_BYTES} bytes`);
    const answer = isBinary ? undefined : readAuth(toPayload(data, false) as string);
    if (!answer) return this.close(CloseCodes.policyViolation, SIGN_IN_FIRST);
    clearTimeout(this.authTimer);
    if (this.refusedForFailures()) return;
    this.state = "checking";
    void this.check(answer.user, answer.response.toLowerCase());
  }

  /** Checks the answer; until the verdict it counts against its address's limit, so parallel answers cannot outrun it. */
  private async check(user: string, response: string): Promise<void> {
    const address = this.addressKey;
    this.ctx.authFailures.begin(address);
    try {
      await this.verify(user, response, address);
    } finally {
      this.ctx.authFailures.end(address);
    }
  }

  private async verify(user: string, response: string, address: string): Promise<void> {
    let answer: AuthAnswer = null;
    if (user !== "" && user.length <= MAX_USER_CHARS) {
      try {
        answer = authAnswer(await this.module.request(EvqHooks.auth, [user], this.options.hookTimeoutMs, undefined, false, true));
      } catch (error) {
        if (this.state === "closed") return;
        // The handler's trouble, not the client's: it may try again (onAuth's own throw is logged with file:line by the sandbox).
        if (!(error instanceof HookError)) this.logFailure("evQueue onAuth", { user: user.slice(0, 64) }, error);
        this.close(CloseCodes.internalError, "sign-in is unavailable; try again later");
        return;
      }
    }
    if (!signInMatches(answer, response, this.challenge) || !answer) {
      // Counted even when the client left meanwhile.
      this.ctx.authFailures.record(address);
      this.counters.authFailures++;
      this.failedSignIn(answer ? "wrong HMAC" : "no such user", user);
      this.close(CloseCodes.policyViolation, INVALID_AUTH);
      return;
    }
    if (this.state === "closed") return;
    this.ready(user, answer.profile);
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
    clearTimeout(this.authTimer);
    this.replies.clear();
    this.events?.close();
    this.event(EventKind.close, reason, code);
  }
}
