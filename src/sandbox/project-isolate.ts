import ivm from "isolated-vm";
import type { Logger } from "../log/logger.js";

/** What the dashboard shows of an isolate. */
export interface IsolateStats {
  /** The project folder it serves, or the handler key for a handler's own isolate. */
  readonly name: string;
  /** "folder": shared by a project folder's handlers; "own": one handler's. */
  readonly kind: "folder" | "own";
  /** Handler keys of the modules in it. */
  readonly handlers: readonly string[];
  /** CPU time used by the isolate now running (ms). */
  readonly cpuMs: number;
  /** Heap in use and its limit, in bytes, as last measured (0 before the first measure). */
  readonly heapUsed: number;
  readonly heapLimit: number;
  /** Times it was lost and started afresh. */
  readonly restarts: number;
  readonly state: "running" | "idle" | "disabled";
}

/**
 * One V8 isolate with a heap limit: a top-level project folder's, shared by
 * its handler modules, or one handler's own. Each module gets its own context
 * inside it. If the isolate dies (heap limit), the next `get()` makes a fresh
 * one and `generation` moves on.
 */
export class ProjectIsolate {
  private isolate: ivm.Isolate | undefined;
  /** Scripts every context runs (prelude, runtime modules), compiled once per isolate. */
  private scripts = new Map<string, Promise<ivm.Script>>();
  generation = 0;
  /** Async calls into the isolate not yet finished; an inline call waits for none. */
  private pending = 0;
  private inlineDepth = 0;

  /** Heap figures as last measured; measured again (asynchronously) whenever stats() is asked. */
  private heap = { used: 0, limit: 0 };
  private measuring = false;

  constructor(
    readonly name: string,
    private readonly memoryLimitMb: number,
    private readonly log: Logger,
    /** One handler's own isolate, rather than its folder's. */
    readonly owner = false,
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

  /**
   * What the isolate holds and has used. Heap figures are the last measured:
   * measuring waits for the isolate's lock, so it never runs on the caller's thread.
   */
  stats(handlers: readonly string[], disabled: boolean): IsolateStats {
    this.measureHeap();
    return {
      name: this.name,
      kind: this.owner ? "own" : "folder",
      handlers,
      cpuMs: Math.round(Number(this.cpuTime()) / 1e4) / 100,
      heapUsed: this.alive ? this.heap.used : 0,
      heapLimit: this.heap.limit || this.memoryLimitMb * 1024 * 1024,
      restarts: Math.max(0, this.generation - 1),
      state: disabled ? "disabled" : this.alive ? "running" : "idle",
    };
  }

  private measureHeap(): void {
    if (this.measuring || !this.alive) return;
    this.measuring = true;
    this.isolate!.getHeapStatistics()
      .then((h) => (this.heap = { used: h.used_heap_size + h.externally_allocated_size, limit: h.heap_size_limit }))
      .catch(() => undefined) // disposed meanwhile: the next measure starts afresh
      .finally(() => (this.measuring = false));
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
