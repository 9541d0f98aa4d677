import type { Capability, DeferredOp, ImmediateOp, Op, PostedOp } from "./capability.js";

/** The one table of operations scripts can call, gathered from the capabilities. Names are unique. */
export class OpTable {
  private readonly ops = new Map<string, Op>();

  constructor(capabilities: readonly Capability[]) {
    for (const c of capabilities) {
      for (const op of c.ops) {
        if (this.ops.has(op.name)) throw new Error(`operation "${op.name}" of capability ${c.name} is declared twice`);
        this.ops.set(op.name, op);
      }
    }
  }

  immediate(name: string): ImmediateOp | undefined {
    const op = this.ops.get(name);
    return op?.mode === "immediate" ? op : undefined;
  }

  posted(name: string): PostedOp | undefined {
    const op = this.ops.get(name);
    return op?.mode === "posted" ? op : undefined;
  }

  deferred(name: string): DeferredOp | undefined {
    const op = this.ops.get(name);
    return op?.mode === "deferred" ? op : undefined;
  }
}
