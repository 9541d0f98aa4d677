import type { WebSocket } from "ws";
import type { Logger } from "../log/logger.js";
import { EventKind, PeerKind } from "../protocol/events.js";
import type { HandlerModule } from "../sandbox/handler-module.js";
import type { SharedTextFrame } from "./peer.js";
import type { Session } from "./sessions.js";

/** Hook calls one connection may have waiting by default; past it, its reads pause until some answer. */
const MAX_IN_FLIGHT = 64;

/** The connection as a hook call's argument: it goes in at index `at`. */
export interface HookPeer {
  readonly kind: string;
  readonly id: string;
  readonly where: string;
  readonly at: number;
}

/**
 * What every protocol spoken over a session (MonoRail, SocketCluster) does
 * the same way: it names its session, sends through it, queues the handler's
 * core events, wires the socket's message/error/close to the protocol, and
 * bounds the hook calls one connection may have waiting by pausing its reads.
 * A subclass reads frames (received) and lets go of what it holds (onClosed).
 */
export abstract class ProtocolConnection {
  private inFlight = 0;

  constructor(
    readonly session: Session,
    readonly module: HandlerModule,
    protected readonly log: Logger,
    /** Hook calls this connection may have waiting; past it, its reads pause until some answer. */
    private readonly maxInFlight = MAX_IN_FLIGHT,
  ) {
    const socket = session.socket;
    socket.on("message", (data, isBinary) => this.received(data, isBinary));
    socket.on("error", (error) => this.event(EventKind.error, `Error: ${error.message}`));
    socket.on("close", (code, reason) => this.onClosed(code, reason.toString("utf8")));
  }

  get id(): string {
    return this.session.id;
  }

  get project(): string {
    return this.module.project;
  }

  get endpoint(): string {
    return this.session.endpoint;
  }

  get socket(): WebSocket {
    return this.session.socket;
  }

  /** Sends a text frame (or a shared one); false when it did not go out. */
  send(frame: string | SharedTextFrame): boolean {
    return this.session.send(frame);
  }

  /** A frame from the client. */
  protected abstract received(data: unknown, isBinary: boolean): void;

  /** The socket closed (code and reason as the close frame gave them). */
  protected abstract onClosed(code: number, reason: string): void;

  /** Queues a core event (open, message, error, close) for the handler's onOpen/onMessage/onError/onClose. */
  protected event(kind: string, payload: unknown, code = 0): void {
    this.module.enqueue(kind, PeerKind.session, this.id, this.endpoint, payload, code);
  }

  /** Whether the connection has its most hook calls waiting. */
  protected get saturated(): boolean {
    return this.inFlight >= this.maxInFlight;
  }

  /**
   * Runs `work` (a hook call) counted against the in-flight bound: reads pause
   * when it is reached and resume (release) when a call ends below it.
   * `failed` sees a failure before it is rethrown.
   */
  protected async counted<T>(work: () => Promise<T>, failed: (error: unknown) => void): Promise<T> {
    if (++this.inFlight >= this.maxInFlight && !this.socket.isPaused) this.socket.pause();
    try {
      return await work();
    } catch (error) {
      failed(error);
      throw error;
    } finally {
      this.inFlight--;
      this.release();
    }
  }

  /** A hook call ended: reads resume once below the bound (a subclass that holds work runs it first). */
  protected release(): void {
    if (this.inFlight < this.maxInFlight && this.socket.isPaused && this.socket.readyState === this.socket.OPEN) this.socket.resume();
  }

  /** The connection as argument `at` of a hook call; none when `at` is undefined. */
  protected asPeer(at: number | undefined): HookPeer | undefined {
    return at === undefined ? undefined : { kind: PeerKind.session, id: this.id, where: this.endpoint, at };
  }

  /**
   * Logs a failed hook call (within the module's log budget) as
   * "<what> failed for <id>: <name>: <message>", with `fields` naming what was
   * asked: the client hears of it by name, the operator here.
   */
  protected logFailure(what: string, fields: Readonly<Record<string, unknown>>, error: unknown): void {
    if (!this.module.logBudget.take()) return;
    const e = error as Error;
    this.log.warn(
      { handler: this.module.key, endpoint: this.endpoint, session: this.id, ...fields, error: String(e?.name ?? "Error") },
      `${what} failed for ${this.id}: ${String(e?.name ?? "Error")}: ${String(e?.message ?? error)}`,
    );
  }
}
