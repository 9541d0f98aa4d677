/** What a hook threw, as the host sees it: its name, message and own JSON-safe fields; never its stack. */
export class HookError extends Error {
  constructor(
    readonly hook: string,
    info: Record<string, unknown>,
  ) {
    super(typeof info["message"] === "string" ? info["message"] : `${hook} failed`);
    this.name = typeof info["name"] === "string" ? info["name"] : "Error";
    for (const [k, v] of Object.entries(info)) {
      if (k === "name" || k === "message" || k === "stack" || k === "hook" || k === "__proto__" || k === "constructor") continue;
      if (typeof v === "string" || typeof v === "number" || typeof v === "boolean" || v === null) {
        Object.defineProperty(this, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
    }
  }
}

interface Pending {
  readonly hook: string;
  /** Resolve with the answer's JSON text (undefined for none) instead of the parsed value. */
  readonly raw: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The host's questions to a module's hooks that wait for an answer (request
 * events and their replies), bounded in number, each with a timeout.
 */
export class Requests {
  private readonly pending = new Map<number, Pending>();
  private next = 1;

  constructor(private readonly max: number) {}

  /** Registers a question; `send` queues its request event with the id. */
  ask(hook: string, timeoutMs: number, send: (id: number) => void, raw = false): Promise<unknown> {
    if (this.pending.size >= this.max) {
      return Promise.reject(new RangeError(`too many questions waiting for the handler's hooks (limit ${this.max})`));
    }
    const id = this.next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        const error = new Error(`${hook} did not answer within ${timeoutMs} ms`);
        error.name = "TimeoutError";
        reject(error);
      }, timeoutMs);
      this.pending.set(id, { hook, raw, resolve, reject, timer });
      send(id);
    });
  }

  /** A reply from the guest: "1" with the JSON value ("" when the hook returned undefined), or "0" with the JSON error. Unknown ids are ignored. */
  answer(id: number, ok: boolean, json: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    // Passed on as text (a socketcluster answer goes into its frame as it is); the guest made it with JSON.stringify.
    if (ok && p.raw) {
      p.resolve(json === "" ? undefined : json);
      return;
    }
    let value: unknown = undefined;
    try {
      if (json !== "" || !ok) value = JSON.parse(json);
    } catch {
      ok = false;
      value = { name: "Error", message: `${p.hook} answered with text that is not JSON` };
    }
    if (ok) p.resolve(value);
    else p.reject(new HookError(p.hook, value && typeof value === "object" ? (value as Record<string, unknown>) : { message: String(value) }));
  }

  /** Every waiting question fails with `why` (the module reloaded, or its sandbox restarted). */
  rejectAll(why: string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(new Error(`aerostat: ${why}; ${p.hook} was not answered`));
    }
  }

  get size(): number {
    return this.pending.size;
  }
}
