import path from "node:path";
import ivm from "isolated-vm";
import { encodeBatch } from "../protocol/batch-codec.js";
import { readFields } from "../protocol/outbox-codec.js";
import { EventKind } from "../protocol/events.js";
import { OutboxOp } from "../protocol/outbox.js";
import { CoreHostCall, type GuestCapability, type GuestLimits, type GuestSettings } from "../protocol/settings.js";
import { AerostatError, UserErrorCodes } from "../errors/codes.js";
import { SourcePositions } from "../errors/source-positions.js";
import { locateSyntaxError } from "../errors/user-location.js";
import { gridTimeout } from "./call-deadline.js";
import { guestBundle } from "./guest-sources.js";
import { isTimeout, ivmMessage } from "./ivm-errors.js";
import { noteStringFromSandbox } from "./sandbox-strings.js";
import type { ProjectIsolate } from "./project-isolate.js";

/** The host bridge a context gets: op name, argument text, binaries of an outbox flush → JSON text. */
export type HostCall = (op: unknown, args: unknown, binaries?: unknown) => string;

/** Outgoing data one event may produce: 32 Mi characters (up to 64 MiB of host memory). */
const MAX_OUTBOX_CHARS = 32 * 1024 * 1024;
/** Immediate API calls one event may make, and the characters of one call's arguments. */
const MAX_HOST_CALLS = 1000;
const MAX_HOST_CALL_CHARS = 64 * 1024;
/** Characters of answers to immediate API calls one event may receive. */
const MAX_HOST_ANSWER_CHARS = 8 * 1024 * 1024;
/** Characters of an error text a script's fault report may carry (its stack: four times as many). */
export const MAX_REPORT_CHARS = 4096;
/** Characters of one console line. */
export const MAX_LOG_CHARS = 16 * 1024;
/** Host promises one module may have pending. */
const MAX_PENDING_PROMISES = 10_000;

/** The time slice a batch may start events in: a tenth of the CPU limit, at most 50 ms. */
export function sliceMsFor(cpuLimitMs: number): number {
  return Math.max(1, Math.min(50, Math.floor(cpuLimitMs / 10)));
}

export interface ContextLimits {
  readonly cpuLimitMs: number;
  readonly maxTimers: number;
  readonly maxOutboxEntries: number;
}

/** A capability as a context needs it: its declaration, and its guest code when not in the bundle. */
export interface ContextCapability extends GuestCapability {
  readonly guestSource?: string;
}

/** What guest code handed the host: outbox text and the binary frames it refers to. */
export interface GuestOutput {
  readonly text: string;
  readonly binaries: ArrayBuffer[];
}

export interface LoadedModule {
  readonly context: GuestContext;
  /** The hooks the module exports (onMessage, onHandshake, ...). */
  readonly hooks: readonly string[];
  /** Outbox produced by the module's top-level code (console output, timers). */
  readonly output: GuestOutput;
}

/** Binary frames the guest handed over beside the answer it is about to return. */
interface Deposit {
  binaries: ArrayBuffer[];
}

/**
 * One handler module running in its own context. The host holds References to
 * the prelude's internals; the guest never sees an isolated-vm object.
 */
export class GuestContext {
  private disposed = false;
  /** Numbers dispatch calls, so recover() after a failed one never returns an earlier call's answer. */
  private calls = 0;

  private constructor(
    private readonly context: ivm.Context,
    private readonly dispatchFn: ivm.Reference<(text: string, binaries: ArrayBuffer[] | undefined, call: number) => string>,
    private readonly recoverFn: ivm.Reference<(call: number) => string>,
    private readonly deposit: Deposit,
    /** The CPU limit plus the batch's time slice: every event gets at least the CPU limit. */
    private readonly timeoutMs: number,
  ) {}

  /** Runs a batch of events; resolves "<done>[a]|<outbox>" and binaries. Rejects on CPU limit or a lost isolate. */
  async dispatch(batch: unknown[]): Promise<GuestOutput> {
    const { text, binaries } = encodeBatch(batch);
    const call = ++this.calls;
    // An all-text batch is one primitive string; binaries are copied in beside it.
    const result: unknown =
      binaries.length === 0
        ? await this.dispatchFn.apply(undefined, [text, undefined, call], { timeout: gridTimeout(this.timeoutMs) })
        : await this.dispatchFn.apply(undefined, [text, binaries, call], { arguments: { copy: true }, timeout: gridTimeout(this.timeoutMs) });
    return received(result, "0|", this.deposit);
  }

  /**
   * The same on the calling thread (see inline-policy.ts): no thread hand-over,
   * but the host's event loop waits while the guest runs. Throws on CPU limit
   * or a lost isolate.
   */
  dispatchInline(batch: unknown[]): GuestOutput {
    const { text, binaries } = encodeBatch(batch);
    const call = ++this.calls;
    const result: unknown =
      binaries.length === 0
        ? this.dispatchFn.applySync(undefined, [text, undefined, call], { timeout: gridTimeout(this.timeoutMs) })
        : this.dispatchFn.applySync(undefined, [text, binaries, call], { arguments: { copy: true }, timeout: gridTimeout(this.timeoutMs) });
    return received(result, "0|", this.deposit);
  }

  /** After a dispatch was stopped: how far it got, and the outbox of what finished. */
  async recover(): Promise<GuestOutput> {
    const result: unknown = await this.recoverFn.apply(undefined, [this.calls], { timeout: gridTimeout(this.timeoutMs) });
    return received(result, "0|", this.deposit);
  }

  /** recover() on the calling thread, after an inline dispatch was stopped. */
  recoverInline(): GuestOutput {
    return received(this.recoverFn.applySync(undefined, [this.calls], { timeout: gridTimeout(this.timeoutMs) }), "0|", this.deposit);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    try {
      this.dispatchFn.release();
      this.recoverFn.release();
      this.context.release();
    } catch {
      // the isolate is already gone, and these with it
    }
  }

  /**
   * Creates a context in `isolate`, runs the guest bundle (prelude and
   * capabilities) in it, then the handler's code (CommonJS, see transpile.ts
   * and bundle.ts). Errors name the user's file and line, through `positions`.
   */
  static async load(
    project: ProjectIsolate,
    key: string,
    code: string,
    positions: SourcePositions,
    hostCall: HostCall,
    limits: ContextLimits,
    capabilities: readonly ContextCapability[],
    /** A script service: its top level runs per request, not at load. */
    onDemand = false,
  ): Promise<LoadedModule> {
    const timeout = limits.cpuLimitMs;
    const isolate = project.get();
    const context = await isolate.createContext();
    const refs: ivm.Reference[] = [];
    try {
      const settings: GuestSettings = {
        handler: key,
        outbox: OutboxOp,
        events: EventKind,
        capabilities: capabilities.map(({ name, module, events, aliases, namespaces, memberModules, requestHooks }) => ({
          name,
          module,
          events,
          aliases,
          namespaces,
          memberModules,
          requestHooks,
        })),
        limits: guestLimits(limits),
      };
      const bundle = await project.script("aerostat:guest.js", guestBundle());
      const preludeFn = await bundle.run(context, { reference: true, timeout });
      refs.push(preludeFn);
      const deposit: Deposit = { binaries: [] };
      const internals: ivm.Reference = await preludeFn.apply(
        undefined,
        [new ivm.Callback(guestHostCall(hostCall, deposit)), JSON.stringify(settings)],
        { result: { reference: true }, timeout },
      );
      refs.push(internals);
      const fn = async (name: string) => {
        const ref: ivm.Reference = await internals.get(name, { reference: true });
        refs.push(ref);
        return ref;
      };
      const outputs: GuestOutput[] = [];
      for (const c of capabilities) {
        if (!c.guestSource) continue;
        const script = await project.script(`aerostat:${c.name}.js`, `(${c.guestSource})`);
        const factory = await script.run(context, { reference: true, timeout });
        refs.push(factory);
        const defineCapability = await fn("defineCapability");
        const answer: unknown = await defineCapability.apply(undefined, [c.name, factory.derefInto()], { timeout });
        outputs.push(installOutcome(new SourcePositions(`aerostat:${c.name}.js`), answer, deposit));
      }
      outputs.push(await loadCjs(isolate, context, positions, code, await fn("installCjs"), timeout, deposit, onDemand));
      const hooksText: unknown = await (await fn("exportedHooks")).apply(undefined, [], { timeout });
      const hooks = typeof hooksText === "string" && hooksText !== "" ? hooksText.split(",") : [];
      const guest = new GuestContext(
        context,
        await fn("dispatch"),
        await fn("recover"),
        deposit,
        limits.cpuLimitMs + sliceMsFor(limits.cpuLimitMs),
      );
      // dispatch and recover stay referenced by the context; the others are released below.
      refs.splice(refs.length - 2, 2);
      return {
        context: guest,
        hooks,
        output: { text: outputs.map((o) => o.text).join(""), binaries: outputs.flatMap((o) => o.binaries) },
      };
    } catch (error) {
      context.release();
      throw error;
    } finally {
      for (const r of refs) r.release();
    }
  }
}

function guestLimits(limits: ContextLimits): GuestLimits {
  return {
    maxTimers: limits.maxTimers,
    maxOutboxEntries: limits.maxOutboxEntries,
    maxOutboxChars: MAX_OUTBOX_CHARS,
    maxHostCalls: MAX_HOST_CALLS,
    maxHostCallChars: MAX_HOST_CALL_CHARS,
    maxHostAnswerChars: MAX_HOST_ANSWER_CHARS,
    maxReportChars: MAX_REPORT_CHARS,
    maxLogChars: MAX_LOG_CHARS,
    maxPendingPromises: MAX_PENDING_PROMISES,
    sliceMs: sliceMsFor(limits.cpuLimitMs),
  };
}

/**
 * The host bridge as the context gets it: binaries handed over beside the
 * next answer are kept for it, and the strings received are counted as memory
 * the host must collect.
 */
function guestHostCall(hostCall: HostCall, deposit: Deposit): HostCall {
  return (op, args, binaries) => {
    if (op === CoreHostCall.binaries) {
      deposit.binaries = Array.isArray(binaries) ? binaries.filter((b): b is ArrayBuffer => b instanceof ArrayBuffer) : [];
      return "null";
    }
    if (typeof args === "string") noteStringFromSandbox(args.length);
    return hostCall(op, args, binaries);
  };
}

/** A guest answer (one string) with the binaries handed over beside it, counted as memory the host must collect. */
function received(result: unknown, fallback: string, deposit: Deposit): GuestOutput {
  const text = typeof result === "string" ? result : fallback;
  noteStringFromSandbox(text.length);
  const binaries = deposit.binaries;
  deposit.binaries = [];
  return { text, binaries };
}

/**
 * Checks an ES module's syntax with V8 itself, so its errors read like those of
 * any other handler, before it is turned into CommonJS. Nothing runs.
 */
export async function checkModuleSyntax(project: ProjectIsolate, key: string, source: string): Promise<void> {
  let mod: ivm.Module;
  try {
    mod = await project.get().compileModule(source, { filename: key });
  } catch (error) {
    throw loadError(new SourcePositions(key), error, "has a syntax error");
  }
  mod.release();
}

const CJS_HEADER = "(function (exports, require, module, __filename, __dirname) {";

async function loadCjs(
  isolate: ivm.Isolate,
  context: ivm.Context,
  positions: SourcePositions,
  source: string,
  installCjs: ivm.Reference,
  timeout: number,
  deposit: Deposit,
  onDemand: boolean,
): Promise<GuestOutput> {
  const key = positions.key;
  let script: ivm.Script;
  try {
    script = await isolate.compileScript(`${CJS_HEADER}\n${source}\n})`, { filename: key, lineOffset: -1 });
  } catch (error) {
    throw loadError(positions, error, "has a syntax error");
  }
  const wrapper = await script.run(context, { reference: true, timeout });
  try {
    const result: unknown = await installCjs.apply(undefined, [wrapper.derefInto(), key, path.posix.dirname(key), onDemand], { timeout });
    return installOutcome(positions, result, deposit);
  } catch (error) {
    throw loadError(positions, error, "did not finish loading");
  } finally {
    wrapper.release();
  }
}

/** Reads the guest's "ok|<outbox>" or "error|<len>:<message><len>:<stack><outbox>" (binaries beside it). */
function installOutcome(positions: SourcePositions, result: unknown, deposit: Deposit): GuestOutput {
  const output = received(result, "", deposit);
  const bar = output.text.indexOf("|");
  const status = output.text.slice(0, bar);
  const rest = output.text.slice(bar + 1);
  if (status === "ok") return { text: rest, binaries: output.binaries };
  const [message = "threw", stack = ""] = readFields(rest, 2)?.fields ?? [];
  throw new AerostatError(UserErrorCodes.HANDLER_LOAD, `top-level code threw ${positions.rewrite(message)}`, positions.firstUserFrame(stack) ?? { file: positions.key });
}

/**
 * A load error as the user reads it: the reason alone (module-load.ts adds
 * what to do, which depends on whether a good version is serving), at the
 * first frame of the user's code: in a bundle, the imported file it is in.
 */
function loadError(positions: SourcePositions, error: unknown, what: string): AerostatError {
  if (error instanceof AerostatError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const syntax = locateSyntaxError(message, positions.key);
  const at = syntax ? positions.original(syntax) : positions.firstUserFrame(error instanceof Error ? (error.stack ?? "") : "");
  const reason = isTimeout(error) ? "top-level code ran past the CPU limit" : `${what}: ${positions.rewrite(ivmMessage(error))}`;
  return new AerostatError(UserErrorCodes.HANDLER_LOAD, reason, at ?? { file: positions.key }, { cause: error });
}

