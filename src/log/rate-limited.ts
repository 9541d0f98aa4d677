import { LogBudget } from "./log-budget.js";
import type { Logger } from "./logger.js";

/**
 * Warn (or error) lines, at most `perSecond` per key (a handler module, an endpoint, a
 * kind of refusal). Past that, lines are counted, and a second later one line
 * says how many were dropped. A script that causes a refusal in a loop, or a
 * stranger who knocks in a loop, cannot flood the log. Keys must come from a
 * bounded set: pass a category, not a name a stranger chose.
 */
export class RateLimitedLog {
  private readonly budgets = new Map<string, { budget: LogBudget; fields: Record<string, unknown> }>();

  constructor(
    private readonly log: Logger,
    /** What the lines are about, for the "dropped" line: "refused outgoing connections". */
    private readonly what: string,
    private readonly perSecond = 5,
  ) {}

  warn(key: string, fields: Record<string, unknown>, message: string): void {
    if (this.take(key, fields)) this.log.warn(fields, message);
  }

  /** As warn, at error level: a bug of the host's that a stranger may trigger in a loop. */
  error(key: string, fields: Record<string, unknown>, message: string): void {
    if (this.take(key, fields)) this.log.error(fields, message);
  }

  /** Whether a line of `key` may be written now (else it is counted as dropped). */
  private take(key: string, fields: Record<string, unknown>): boolean {
    let entry = this.budgets.get(key);
    if (!entry) {
      const created = { fields, budget: undefined as unknown as LogBudget };
      // The "dropped" line carries the fields of the last line dropped.
      created.budget = new LogBudget(
        (dropped) =>
          this.log.warn(
            { ...created.fields, dropped },
            `${dropped} more ${this.what} (${key}) were not logged: at most ${this.perSecond} lines a second`,
          ),
        { perSecond: this.perSecond, burst: this.perSecond },
      );
      this.budgets.set(key, (entry = created));
    }
    entry.fields = fields;
    return entry.budget.take();
  }
}
