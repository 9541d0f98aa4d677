import type { WebSocket } from "ws";

/**
 * Whether a node's socket is alive: a ping each interval, and no pong by the
 * next one means it is gone (`dead` is told). While the socket is paused
 * (the handler is behind on its events) nothing is read, pongs included, so
 * the check waits, and starts afresh once the socket reads again.
 */
export class PongCheck {
  private timer: NodeJS.Timeout | undefined;
  private awaiting = false;

  constructor(
    readonly intervalMs: number,
    private readonly dead: (ws: WebSocket) => void,
  ) {}

  /** Starts watching `ws` (a connection just READY). */
  start(ws: WebSocket): void {
    this.stop();
    ws.on("pong", () => (this.awaiting = false));
    this.timer = setInterval(() => {
      if (ws.isPaused) {
        this.awaiting = false;
        return;
      }
      if (this.awaiting) {
        this.dead(ws);
        return;
      }
      this.awaiting = true;
      ws.ping();
    }, this.intervalMs);
    this.timer.unref();
  }

  /** The socket reads again: a pong may still be in what was not read, so the wait starts over. */
  fresh(): void {
    this.awaiting = false;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.awaiting = false;
  }
}
