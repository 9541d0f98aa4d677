import type { XmlNode } from "../xml.js";
import { apiError, timeoutError } from "./errors.js";

/** What a node said in <ready>. */
export interface Greeting {
  readonly node: string;
  readonly version: string;
  readonly profile: string;
  readonly modules: ReadonlySet<string>;
}

interface Call {
  readonly xml: string;
  /** Answers the call without sending it (a node without a required module). */
  readonly skip: (greeting: Greeting) => boolean;
  readonly resolve: (node: XmlNode | undefined) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The API calls of one socket. evQueue's answers carry no id, so one call is
 * in flight at a time and the next answer is its answer. A call in flight
 * that times out leaves the socket unusable (a late answer would be taken
 * for the next call's): `stuck` is told, and drops the connection.
 */
export class CallQueue {
  private readonly waiting: Call[] = [];
  private inFlight: Call | undefined;

  constructor(
    /** The node's name, for errors. */
    private readonly label: () => string,
    private readonly stuck: (timeoutMs: number) => void,
  ) {}

  /** Whether a call waits for its answer. */
  get answering(): boolean {
    return this.inFlight !== undefined;
  }

  add(xml: string, timeoutMs: number, skip: (greeting: Greeting) => boolean): Promise<XmlNode | undefined> {
    return new Promise((resolve, reject) => {
      const call: Call = { xml, skip, resolve, reject, timer: setTimeout(() => this.timedOut(call, timeoutMs), timeoutMs) };
      this.waiting.push(call);
    });
  }

  /** Sends the next call while none is in flight (`greeting`: the node is READY). */
  pump(greeting: Greeting, send: (xml: string) => void): void {
    while (!this.inFlight && this.waiting.length > 0) {
      const call = this.waiting.shift()!;
      if (call.skip(greeting)) {
        clearTimeout(call.timer);
        call.resolve(undefined);
        continue;
      }
      this.inFlight = call;
      send(call.xml);
    }
  }

  /** The answer to the call in flight (a KO rejects it with an ApiError), or the error it gets instead. */
  answer(frame: XmlNode | undefined, error?: Error): void {
    const call = this.inFlight;
    if (!call) return;
    this.inFlight = undefined;
    clearTimeout(call.timer);
    const a = frame?.attributes;
    if (error) call.reject(error);
    else if (a?.["status"] === "KO") call.reject(apiError(a["node"] ?? this.label(), a["error-code"] ?? "", a["error"] ?? "the node answered KO"));
    else call.resolve(frame);
  }

  /**
   * Every call rejects with `error(sent)`: the one in flight with `sent`
   * true (it went out and may have run, so it must not go to another node),
   * those waiting with false.
   */
  failAll(error: (sent: boolean) => Error): void {
    const inFlight = this.inFlight;
    this.inFlight = undefined;
    const waiting = this.waiting.splice(0);
    if (inFlight) {
      clearTimeout(inFlight.timer);
      inFlight.reject(error(true));
    }
    if (waiting.length === 0) return;
    const unsent = error(false);
    for (const call of waiting) {
      clearTimeout(call.timer);
      call.reject(unsent);
    }
  }

  private timedOut(call: Call, timeoutMs: number): void {
    call.reject(timeoutError(this.label(), `evQueue node ${this.label()} did not answer within ${timeoutMs} ms`));
    if (call === this.inFlight) {
      this.inFlight = undefined;
      this.stuck(timeoutMs);
      return;
    }
    const at = this.waiting.indexOf(call);
    if (at !== -1) this.waiting.splice(at, 1);
  }
}
