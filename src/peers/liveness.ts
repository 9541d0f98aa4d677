import type { EndpointLimits } from "../config/descriptor.js";
import { CloseCodes } from "../protocol/close-codes.js";
import type { Session, SessionRegistry } from "./sessions.js";


interface Beat {
  lastMessageAt: number;
  lastPingAt: number;
  awaitingPong: boolean;
}

/**
 * Heartbeat and idle timeout for sessions. One timer serves all sessions; it
 * ticks at a quarter of the tightest setting among the mounted endpoints.
 * Idle timeouts apply to sessions opened while the endpoint had one.
 */
export class Liveness {
  private readonly beats = new WeakMap<Session, Beat>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sessions: SessionRegistry,
    private readonly limitsFor: (endpoint: string) => EndpointLimits | undefined,
    private readonly tightestMs: () => number,
  ) {}

  track(session: Session): void {
    const now = Date.now();
    const beat: Beat = { lastMessageAt: now, lastPingAt: now, awaitingPong: false };
    this.beats.set(session, beat);
    // Idle timeouts are off by default; only then is every message timed.
    if ((this.limitsFor(session.endpoint)?.idleTimeoutMs ?? 0) > 0) {
      session.socket.on("message", () => (beat.lastMessageAt = Date.now()));
    }
    session.socket.on("pong", () => (beat.awaitingPong = false));
    this.schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer) return;
    const tick = Math.min(1000, Math.max(25, Math.floor(this.tightestMs() / 4)));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.check();
      if (this.sessions.size > 0) this.schedule();
    }, tick);
    this.timer.unref();
  }

  private check(): void {
    const now = Date.now();
    for (const session of this.sessions.all()) {
      const beat = this.beats.get(session);
      const limits = this.limitsFor(session.endpoint);
      if (!beat || !limits || session.socket.readyState !== session.socket.OPEN) continue;
      if (limits.idleTimeoutMs > 0 && now - beat.lastMessageAt >= limits.idleTimeoutMs) {
        session.close(CloseCodes.goingAway, `idle for ${limits.idleTimeoutMs} ms`);
        continue;
      }
      if (limits.heartbeatMs > 0 && now - beat.lastPingAt >= limits.heartbeatMs) {
        if (beat.awaitingPong) {
          session.socket.terminate(); // no pong since the last ping: the peer is gone
          continue;
        }
        beat.awaitingPong = true;
        beat.lastPingAt = now;
        session.socket.ping();
      }
    }
  }
}
