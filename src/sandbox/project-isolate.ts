import ivm from "isolated-vm";
import type { Logger } from "../log/logger.js";

/**
 * One V8 isolate per top-level project folder, with a heap limit. Handler
 * modules of that folder each get their own context inside it. If the isolate
 * dies (heap limit), the next `get()` makes a fresh one and `generation` moves on.
 */
export class ProjectIsolate {
  private isolate: ivm.Isolate | undefined;
  /** Scripts every context runs (prelude, runtime modules), compiled once per isolate. */
  private scripts = new Map<string, Promise<ivm.Script>>();
  generation = 0;
  /** Async calls into the isolate not yet finished; an inline call waits for none. */
  private pending = 0;
  private inlineDepth = 0;

  constructor(
    readonly name: string,
    private readonly memoryLimitMb: number,
    private readonly log: Logger,
  ) {}

  get(): ivm.Isolate {
    if (this.isolate && !this.isolate.isDisposed) return this.isolate;
    if (this.isolate) this.log.warn({ project: this.name }, "isolate was lost; starting a fresh one");
    this.generation++;
    this.scripts = new Map();
    this.isolate = new ivm.Isolate({
      memoryLimit: this.memoryLimitMb,
      onCatastrophicError: (message: string) => {
        // isolated-vm's guidance: the process state can no longer be trusted.
        this.log.error({ project: this.name, message }, "catastrophic isolate error; exiting");
        process.exit(70);
      },
    });
    return this.isolate;
  }

  /** A compiled script shared by the isolate's contexts; compiled on first use. */
  script(filename: string, source: string): Promise<ivm.Script> {
    const isolate = this.get();
    let compiled = this.scripts.get(filename);
    if (!compiled) {
      compiled = isolate.compileScript(source, { filename });
      compiled.catch(() => this.scripts.delete(filename));
      this.scripts.set(filename, compiled);
    }
    return compiled;
  }

  /** Counts `call` as running in the isolate until it settles. */
  async track<T>(call: () => Promise<T>): Promise<T> {
    this.pending++;
    try {
      return await call();
    } finally {
      this.pending--;
    }
  }

  /** Runs `call` on this thread (an inline dispatch); meanwhile the isolate is not idle. */
  runInline<T>(call: () => T): T {
    this.inlineDepth++;
    try {
      return call();
    } finally {
      this.inlineDepth--;
    }
  }

  /** Nothing runs or waits in the isolate: an inline call would neither wait for its lock nor nest. */
  get idle(): boolean {
    return this.pending === 0 && this.inlineDepth === 0;
  }

  /** CPU time the isolate has used, in ns (0 when there is none). */
  cpuTime(): bigint {
    return this.isolate && !this.isolate.isDisposed ? this.isolate.cpuTime : 0n;
  }

  get alive(): boolean {
    return !!this.isolate && !this.isolate.isDisposed;
  }

  dispose(): void {
    if (this.isolate && !this.isolate.isDisposed) this.isolate.dispose();
    this.isolate = undefined;
    this.scripts = new Map();
  }
}
