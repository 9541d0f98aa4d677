import type { EvqOptions } from "../../config/evqueue-options.js";
import type { RateLimitedLog } from "../../log/rate-limited.js";
import { payloadBytes } from "../../peers/accept-session.js";
import { toPayload } from "../../peers/feed.js";
import { CloseCodes } from "../../protocol/close-codes.js";
import { EvqHooks } from "../../protocol/evqueue.js";
import type { HandlerModule } from "../../sandbox/handler-module.js";
import { HookError } from "../../sandbox/requests.js";
import { authAnswer, newChallenge, signInMatches, type AuthAnswer } from "./auth.js";
import { addressKey, type AuthFailures } from "./auth-failures.js";
import { challengeFrame, MAX_SIGN_IN_BYTES, readAuth } from "./frames.js";
import type { EvqCounters } from "./stats.js";

/** What the sign-ins of every evQueue connection of this node share. */
export interface SignInContext {
  /** The node's name, as frames carry it. */
  readonly node: string;
  readonly authFailures: AuthFailures;
  /** Failed sign-ins, at most a few lines a second per endpoint. */
  readonly authLog: RateLimitedLog;
  /** How long a client has to answer the challenge. */
  readonly authTimeoutMs: number;
}

/** The connection a SignIn serves. */
export interface SignInConnection {
  readonly id: string;
  readonly endpoint: string;
  readonly remoteAddress: string;
  readonly module: HandlerModule;
  readonly options: EvqOptions;
  readonly counters: EvqCounters;
  /** Whether the socket closed (a verdict that comes later changes nothing). */
  readonly isClosed: boolean;
  send(frame: string): boolean;
  close(code: number, reason: string): void;
  /** Signed in as `user` with `profile`: <ready> goes out. */
  signedIn(user: string, profile: string): void;
  /** Logs a failure of the handler's (within its log budget). */
  logFailure(what: string, fields: Readonly<Record<string, unknown>>, error: unknown): void;
}

/** Characters of a user name a client may sign in with. */
const MAX_USER_CHARS = 256;
const INVALID_AUTH = "Invalid authentication";
const SIGN_IN_FIRST = 'sign in first: answer the challenge with <auth response="…" user="…"/>';

/**
 * One connection's sign-in: the challenge, the one answer it takes (read
 * strictly, at most MAX_SIGN_IN_BYTES, so a stranger's frame costs next to
 * nothing), onAuth, the HMAC compared in constant time, and the limit on
 * failed and in-flight sign-ins per address. Every way out but success
 * closes the connection.
 */
export class SignIn {
  private state: "challenged" | "checking" | "done" = "challenged";
  private challenge = "";
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly conn: SignInConnection,
    private readonly ctx: SignInContext,
  ) {}

  /** Sends the challenge (unless the address is refused) and starts the time the client has to answer. */
  start(): void {
    if (this.refused()) return;
    this.challenge = newChallenge();
    this.conn.send(challengeFrame(this.challenge, this.ctx.node));
    this.timer = setTimeout(() => {
      if (this.state === "challenged") this.conn.close(CloseCodes.policyViolation, "no authentication answer");
    }, this.ctx.authTimeoutMs);
    this.timer.unref();
  }

  /** A frame before <ready>: only `<auth response="…" user="…"/>`, once, is taken. */
  frame(data: unknown, isBinary: boolean): void {
    if (this.state !== "challenged") return this.conn.close(CloseCodes.policyViolation, "wait for <ready> before sending anything else");
    if (payloadBytes(data) > MAX_SIGN_IN_BYTES) return this.conn.close(CloseCodes.policyViolation, `${SIGN_IN_FIRST}, in at most ${MAX_SIGN_IN_BYTES} bytes`);
    const answer = isBinary ? undefined : readAuth(toPayload(data, false) as string);
    if (!answer) return this.conn.close(CloseCodes.policyViolation, SIGN_IN_FIRST);
    clearTimeout(this.timer);
    if (this.refused()) return;
    this.state = "checking";
    void this.check(answer.user, answer.response.toLowerCase());
  }

  /** The connection closed: the answer's timer stops. */
  stop(): void {
    clearTimeout(this.timer);
  }

  /** The key this connection's address counts under (an IPv6 address by its /64). */
  private get address(): string {
    return addressKey(this.conn.remoteAddress);
  }

  /** Closes the connection when its address failed to sign in too often lately, or has too many sign-ins being checked; true when it did. */
  private refused(): boolean {
    const { waitMs, checking } = this.ctx.authFailures.blockedFor(this.address, this.conn.options.authFailuresPerMinute);
    if (waitMs === 0) return false;
    this.conn.counters.authFailures++;
    const seconds = Math.ceil(waitMs / 1000);
    if (checking) {
      this.failed("refused: too many sign-ins at once", undefined);
      this.conn.close(CloseCodes.policyViolation, `too many sign-ins from this address at once; try again in ${seconds} s`);
    } else {
      this.failed("refused: too many failed sign-ins", undefined);
      this.conn.close(CloseCodes.policyViolation, `too many failed sign-ins from this address; try again in ${seconds} s`);
    }
    return true;
  }

  private failed(why: string, user: string | undefined): void {
    const { endpoint, id, remoteAddress } = this.conn;
    const who = user === undefined ? "" : ` as ${JSON.stringify(user.slice(0, 64))}`;
    this.ctx.authLog.warn(endpoint, { endpoint, session: id, remote: remoteAddress, ...(user !== undefined ? { user: user.slice(0, 64) } : {}) }, `evQueue sign-in${who} from ${remoteAddress} to ${endpoint} failed: ${why}`);
  }

  /** Checks the answer; until the verdict it counts against its address's limit, so parallel answers cannot outrun it. */
  private async check(user: string, response: string): Promise<void> {
    const address = this.address;
    this.ctx.authFailures.begin(address);
    try {
      await this.verify(user, response, address);
    } finally {
      this.ctx.authFailures.end(address);
      this.state = "done";
    }
  }

  private async verify(user: string, response: string, address: string): Promise<void> {
    const { conn } = this;
    let answer: AuthAnswer = null;
    if (user !== "" && user.length <= MAX_USER_CHARS) {
      try {
        answer = authAnswer(await conn.module.request(EvqHooks.auth, [user], conn.options.hookTimeoutMs, undefined, false, true));
      } catch (error) {
        if (conn.isClosed) return;
        // The handler's trouble, not the client's: it may try again (onAuth's own throw is logged with file:line by the sandbox).
        if (!(error instanceof HookError)) conn.logFailure("evQueue onAuth", { user: user.slice(0, 64) }, error);
        conn.close(CloseCodes.internalError, "sign-in is unavailable; try again later");
        return;
      }
    }
    if (!signInMatches(answer, response, this.challenge) || !answer) {
      // Counted even when the client left meanwhile.
      this.ctx.authFailures.record(address);
      conn.counters.authFailures++;
      this.failed(answer ? "wrong HMAC" : "no such user", user);
      conn.close(CloseCodes.policyViolation, INVALID_AUTH);
      return;
    }
    if (!conn.isClosed) conn.signedIn(user, answer.profile);
  }
}
