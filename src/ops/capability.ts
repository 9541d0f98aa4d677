import type { GuestCapability } from "../protocol/settings.js";
import type { CallerContext, HandlerModule } from "../sandbox/handler-module.js";
import type { Services } from "./services.js";

/** JSON-safe primitives, the only arguments of immediate operations. */
export type Primitive = string | number | boolean | null;

/** What an operation runs with: the calling module (its project scopes everything) and the host's services. */
export interface OpContext {
  readonly module: HandlerModule;
  readonly services: Services;
  /**
   * The context that called (what the op starts may live only as long as it
   * serves): for immediate ops, and for posted ones (whose context may have
   * been replaced by the time they run).
   */
  readonly caller?: CallerContext;
}

/** An operation a script calls and waits for: it answers at once (lookups, creating a client). */
export interface ImmediateOp {
  readonly mode: "immediate";
  readonly name: string;
  /** Checks the arguments and answers (JSON-safe); throws a TypeError naming the argument when they are wrong. */
  run(ctx: OpContext, args: readonly Primitive[]): unknown;
}

/** An operation a script fires and forgets, applied in order with its sends (a broadcast). */
export interface PostedOp {
  readonly mode: "posted";
  readonly name: string;
  /** Checks the arguments (parsed JSON, untrusted) and runs; returns the frames it sent, for the traffic meter. */
  run(ctx: OpContext, args: unknown): number | Promise<number>;
}

/** An operation whose result settles a Promise in the script later (a host promise). */
export interface DeferredOp {
  readonly mode: "deferred";
  readonly name: string;
  /** Checks the arguments (parsed JSON, untrusted) and resolves with a JSON-safe value, or rejects. */
  run(ctx: OpContext, args: unknown): Promise<unknown>;
}

export type Op = ImmediateOp | PostedOp | DeferredOp;

/**
 * A capability: one folder under src/capabilities/ that brings a runtime
 * module to scripts. It declares the module's name, the event kinds it
 * handles and the hooks they run, and the operations its guest module calls.
 * Its guest code is bundled from `<folder>/guest.ts` at build time, or given
 * as `guestSource` (the text of a `(exports, kernel) => void` function).
 */
export interface Capability extends GuestCapability {
  readonly ops: readonly Op[];
  /** Guest code for a capability that is not in the build's bundle. */
  readonly guestSource?: string;
  /** Starts what the capability needs on the host (bus subscriptions); returns its teardown. */
  setup?(services: Services): () => void;
}
