import type { Logger } from "./logger.js";

interface Window {
  logged: number;
  dropped: number;
}

/**
 * Warn lines, at most `perWindow` per key per window. Past that, lines are
 * counted, and when the window ends one line says how many were dropped. A
 * script that causes a refusal in a loop cannot flood the log.
 */
export class RateLimitedLog {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly log: Logger,
    /** What the lines are about, for the "dropped" line: "refused outgoing connections". */
    private readonly what: string,
    private readonly perWindow = 5,
    private readonly windowMs = 1000,
  ) {}

  warn(key: string, fields: Record<string, unknown>, message: string): void {
    let window = this.windows.get(key);
    if (!window) {
      window = { logged: 0, dropped: 0 };
      this.windows.set(key, window);
      const ending = window;
      setTimeout(() => this.end(key, ending, fields), this.windowMs).unref();
    }
    if (window.logged < this.perWindow) {
      window.logged++;
      this.log.warn(fields, message);
    } else {
      window.dropped++;
    }
  }

  private end(key: string, window: Window, fields: Record<string, unknown>): void {
    this.windows.delete(key);
    if (window.dropped === 0) return;
    this.log.warn(
      { ...fields, dropped: window.dropped },
      `${window.dropped} more ${this.what} (${key}) were not logged: at most ${this.perWindow} lines a second`,
    );
  }
}
