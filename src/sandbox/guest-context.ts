import path from "node:path";
import ivm from "isolated-vm";
import { guestProtocol, type GuestSettings } from "../protocol/boundary.js";
import { AerostatError, UserErrorCodes } from "../errors/codes.js";
import { locateSyntaxError, locateInStack } from "../errors/user-location.js";
import { encodeBatch } from "../protocol/batch-codec.js";
import { guestSources } from "./guest-sources.js";
import { noteStringFromSandbox } from "./sandbox-strings.js";
import type { ProjectIsolate } from "./project-isolate.js";

export type HostCall = (op: unknown, args: unknown) => string;

/** Outgoing data one event may produce: 32 Mi characters (up to 64 MiB of host memory). */
const MAX_OUTBOX_CHARS = 32 * 1024 * 1024;
/** Immediate API calls one event may make, and the characters of one call's arguments. */
const MAX_HOST_CALLS = 1000;
const MAX_HOST_CALL_CHARS = 64 * 1024;
/** Characters of answers to immediate API calls one event may receive. */
const MAX_HOST_ANSWER_CHARS = 8 * 1024 * 1024;
/** Characters of an error text a script's fault report may carry (its stack: four times as many). */
const MAX_REPORT_CHARS = 4096;
/** Characters of one console line. */
export const MAX_LOG_CHARS = 16 * 1024;

/** The time slice a batch may start events in: a tenth of the CPU limit, at most 50 ms. */
export function sliceMsFor(cpuLimitMs: number): number {
  return Math.max(1, Math.min(50, Math.floor(cpuLimitMs / 10)));
}

export interface ContextLimits {
  readonly cpuLimitMs: number;
  readonly maxTimers: number;
  readonly maxOutboxEntries: number;
}

export interface LoadedModule {
  readonly context: GuestContext;
  /** Outbox produced by the module's top-level code (console output, timers). */
  readonly outbox: string;
}

/**
 * One handler module running in its own context. The host holds References to
 * the prelude's internals; the guest never sees an isolated-vm object.
 */
export class GuestContext {
  private disposed = false;

  private constructor(
    private readonly context: ivm.Context,
    private readonly dispatchFn: ivm.Reference<(text: string, binaries?: ArrayBuffer[]) => string>,
    private readonly recoverFn: ivm.Reference<() => string>,
    /** The CPU limit plus the batch's time slice: every event gets at least the CPU limit. */
    private readonly timeoutMs: number,
  ) {}

  /** Runs a batch of events; resolves "<done>|<outbox>". Rejects on CPU limit or a lost isolate. */
  async dispatch(batch: unknown[]): Promise<string> {
    const { text, binaries } = encodeBatch(batch);
    // An all-text batch is one primitive string; binaries are copied in beside it.
    const result: unknown =
      binaries.length === 0
        ? await this.dispatchFn.apply(undefined, [text], { timeout: this.timeoutMs })
        : await this.dispatchFn.apply(undefined, [text, binaries], { arguments: { copy: true }, timeout: this.timeoutMs });
    return received(result);
  }

  /** After a dispatch was stopped: how far it got, and the outbox of what finished. */
  async recover(): Promise<string> {
    const result: unknown = await this.recoverFn.apply(undefined, [], { timeout: this.timeoutMs });
    return received(result);
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
   * Creates a context in `isolate`, installs the prelude and runtime modules,
   * then evaluates the handler source. Errors name the user's file and line.
   */
  static async load(
    project: ProjectIsolate,
    key: string,
    source: string,
    hostCall: HostCall,
    limits: ContextLimits,
  ): Promise<LoadedModule> {
    const timeout = limits.cpuLimitMs;
    const sources = guestSources();
    const isolate = project.get();
    const context = await isolate.createContext();
    const refs: ivm.Reference[] = [];
    try {
      const settings: GuestSettings = {
        protocol: guestProtocol(),
        handler: key,
        maxTimers: limits.maxTimers,
        maxOutboxEntries: limits.maxOutboxEntries,
        maxOutboxChars: MAX_OUTBOX_CHARS,
        maxHostCalls: MAX_HOST_CALLS,
        maxHostCallChars: MAX_HOST_CALL_CHARS,
        maxHostAnswerChars: MAX_HOST_ANSWER_CHARS,
        maxReportChars: MAX_REPORT_CHARS,
        maxLogChars: MAX_LOG_CHARS,
        sliceMs: sliceMsFor(limits.cpuLimitMs),
        modules: [...sources.modules.keys()].join(", "),
      };
      const preludeScript = await project.script("aerostat:prelude.js", sources.prelude);
      const preludeFn = await preludeScript.run(context, { reference: true, timeout });
      refs.push(preludeFn);
      const internals: ivm.Reference = await preludeFn.apply(
        undefined,
        [new ivm.Callback(countedHostCall(hostCall)), JSON.stringify(settings)],
        { result: { reference: true }, timeout },
      );
      refs.push(internals);
      const fn = async (name: string) => {
        const ref: ivm.Reference = await internals.get(name, { reference: true });
        refs.push(ref);
        return ref;
      };
      const defineRuntimeModule = await fn("defineRuntimeModule");
      const loadRuntimeModule = await fn("loadRuntimeModule");
      for (const [name, text] of sources.modules) {
        const script = await project.script(`aerostat:${name}.js`, text);
        const factory = await script.run(context, { reference: true, timeout });
        refs.push(factory);
        await defineRuntimeModule.apply(undefined, [name, factory.derefInto()], { timeout });
        await loadRuntimeModule.apply(undefined, [name], { timeout });
      }

      const outcome = await loadCjs(isolate, context, key, source, await fn("installCjs"), timeout);

      const guest = new GuestContext(
        context,
        (await internals.get("dispatch", { reference: true })) as ivm.Reference<
          (text: string, binaries?: ArrayBuffer[]) => string
        >,
        (await internals.get("recover", { reference: true })) as ivm.Reference<() => string>,
        limits.cpuLimitMs + sliceMsFor(limits.cpuLimitMs),
      );
      return { context: guest, outbox: outcome };
    } catch (error) {
      context.release();
      throw error;
    } finally {
      for (const r of refs) r.release();
    }
  }
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
    throw loadError(key, error, "has a syntax error");
  }
  mod.release();
}

const CJS_HEADER = "(function (exports, require, module, __filename, __dirname) {";

async function loadCjs(
  isolate: ivm.Isolate,
  context: ivm.Context,
  key: string,
  source: string,
  installCjs: ivm.Reference,
  timeout: number,
): Promise<string> {
  let script: ivm.Script;
  try {
    script = await isolate.compileScript(`${CJS_HEADER}\n${source}\n})`, { filename: key, lineOffset: -1 });
  } catch (error) {
    throw loadError(key, error, "has a syntax error");
  }
  const wrapper = await script.run(context, { reference: true, timeout });
  try {
    const result: unknown = await installCjs.apply(
      undefined,
      [wrapper.derefInto(), key, path.posix.dirname(key)],
      { timeout },
    );
    return installOutcome(key, result);
  } catch (error) {
    throw loadError(key, error, "did not finish loading");
  } finally {
    wrapper.release();
  }
}

/** The host bridge, with the strings it receives counted as memory the host must collect. */
function countedHostCall(hostCall: HostCall): HostCall {
  return (op, args) => {
    if (typeof args === "string") noteStringFromSandbox(args.length);
    return hostCall(op, args);
  };
}

/** A dispatch's answer, counted as memory the host must collect. */
function received(result: unknown): string {
  if (typeof result !== "string") return "0|";
  noteStringFromSandbox(result.length);
  return result;
}

/** Reads the prelude's "ok|outbox" or "error|outbox\0message\0stack". */
function installOutcome(key: string, result: unknown): string {
  const text = typeof result === "string" ? result : "";
  noteStringFromSandbox(text.length);
  const bar = text.indexOf("|");
  const status = text.slice(0, bar);
  const rest = text.slice(bar + 1);
  if (status === "ok") return rest;
  const [, message = "threw", stack = ""] = rest.split("\u0000");
  const at = locateInStack(stack, key);
  throw new AerostatError(
    UserErrorCodes.HANDLER_LOAD,
    `top-level code threw ${message}. Fix the module; the last good version keeps serving meanwhile.`,
    { file: key, ...at },
  );
}

function loadError(key: string, error: unknown, what: string): AerostatError {
  if (error instanceof AerostatError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const at = locateSyntaxError(message, key) ?? locateInStack(error instanceof Error ? (error.stack ?? "") : "", key);
  const clean = message.replace(/\s*\[[^\]]*:\d+:\d+\]\s*$/, "");
  const timedOut = /timed out/i.test(message);
  const reason = timedOut ? "top-level code ran past the CPU limit" : `${what}: ${clean}`;
  return new AerostatError(
    UserErrorCodes.HANDLER_LOAD,
    `${reason}. Fix the module; the last good version keeps serving meanwhile.`,
    { file: key, ...at },
    { cause: error },
  );
}
