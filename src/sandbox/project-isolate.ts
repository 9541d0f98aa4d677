import ivm from "isolated-vm";
import type { Logger } from "../log/logger.js";

/**
 * One V8 isolate per top-level project folder, with a heap limit. Handler
 * modules of that folder each get their own context inside it. If the isolate
 * dies (heap limit), the next `get()` makes a fresh one and `generation` moves on.
 */
export class ProjectIsolate {
  private isolate: ivm.Isolate | undefined;
  generation = 0;

  constructor(
    readonly name: string,
    private readonly memoryLimitMb: number,
    private readonly log: Logger,
  ) {}

  get(): ivm.Isolate {
    if (this.isolate && !this.isolate.isDisposed) return this.isolate;
    if (this.isolate) this.log.warn({ project: this.name }, "isolate was lost; starting a fresh one");
    this.generation++;
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

  get alive(): boolean {
    return !!this.isolate && !this.isolate.isDisposed;
  }

  dispose(): void {
    if (this.isolate && !this.isolate.isDisposed) this.isolate.dispose();
    this.isolate = undefined;
  }
}
