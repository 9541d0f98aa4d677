// API mode keeps one command in flight per connection: evQueue's responses
// carry no request number, so the n-th response answers the n-th command.
// The rest wait here, in call order.

export class ApiQueue {
  #waiting = [];
  #inFlight = null;
  #hooks;

  /**
   * hooks.send(text): sends a command (the connection is ready);
   * hooks.modules(): the node's module names; hooks.timeoutMs: how long an
   * answer may take (0: no limit); hooks.timedOut(entry): an answer is late.
   */
  constructor(hooks) {
    this.#hooks = hooks;
  }

  /** Commands not yet answered (waiting and in flight). */
  get size() {
    return this.#waiting.length + (this.#inFlight ? 1 : 0);
  }

  /** Queues a command's text; the promise settles with its answer. */
  add(text, requiredModules) {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ text, requiredModules, resolve, reject, timer: null });
    });
  }

  /** Sends the next command if none is in flight (call when the connection is ready and after each answer). */
  pump() {
    while (!this.#inFlight && this.#waiting.length > 0) {
      const entry = this.#waiting.shift();
      const missing = (entry.requiredModules ?? []).filter((m) => !this.#hooks.modules().includes(m));
      if (missing.length > 0) {
        // The node lacks a module the command needs: it is skipped there.
        entry.resolve(undefined);
        continue;
      }
      this.#inFlight = entry;
      if (this.#hooks.timeoutMs > 0) entry.timer = setTimeout(() => this.#hooks.timedOut(entry), this.#hooks.timeoutMs);
      this.#hooks.send(entry.text);
    }
  }

  /** Settles the command in flight with a frame's outcome; false when none was in flight. */
  answer(error, value) {
    const entry = this.#inFlight;
    if (!entry) return false;
    this.#inFlight = null;
    clearTimeout(entry.timer);
    if (error) entry.reject(error);
    else entry.resolve(value);
    this.pump();
    return true;
  }

  /** Rejects every command: `makeError(sent)` gives the error, sent = true for the one in flight. */
  failAll(makeError) {
    const inFlight = this.#inFlight;
    const waiting = this.#waiting;
    this.#inFlight = null;
    this.#waiting = [];
    if (inFlight) {
      clearTimeout(inFlight.timer);
      inFlight.reject(makeError(true));
    }
    for (const entry of waiting) entry.reject(makeError(false));
  }
}
