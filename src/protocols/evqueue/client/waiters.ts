interface Waiter {
  readonly ready: () => boolean;
  readonly done: (error?: Error) => void;
}

/**
 * Calls of a cluster that wait for its nodes to get somewhere (every node up
 * has said its name, a subscription went out): each resolves once its
 * condition holds or at its deadline (the caller then looks again itself),
 * and rejects when the cluster closes.
 */
export class Waiters {
  private list: Waiter[] = [];

  /** Resolves once `ready()` holds, or at `deadline` (ms since the epoch). */
  until(ready: () => boolean, deadline: number): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(), Math.max(1, deadline - Date.now()));
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.list = this.list.filter((w) => w !== waiter);
        if (error) reject(error);
        else resolve();
      };
      const waiter: Waiter = { ready, done };
      this.list.push(waiter);
    });
  }

  /** Something changed: those whose condition holds now go on. */
  wake(): void {
    for (const w of [...this.list]) if (w.ready()) w.done();
  }

  /** Every waiter rejects with `error`. */
  failAll(error: Error): void {
    const list = this.list;
    this.list = [];
    for (const w of list) w.done(error);
  }
}
