import path from "node:path";
import ivm from "isolated-vm";
import { guestProtocol, RuntimeModuleExports, type GuestSettings, type RuntimeModuleName } from "../bridge/protocol.js";
import { AerostatError, UserErrorCodes } from "../errors/codes.js";
import { locateSyntaxError, locateInStack } from "../errors/user-location.js";
import { encodeBatch } from "./batch-codec.js";
import { guestSources } from "./guest-sources.js";
import type { ProjectIsolate } from "./project-isolate.js";

export type HostCall = (op: unknown, args: unknown) => string;

/** Outgoing data one dispatch may produce: 32 Mi characters (up to 64 MiB of host memory). */
const MAX_OUTBOX_CHARS = 32 * 1024 * 1024;

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
    private readonly cpuLimitMs: number,
  ) {}

  /** Runs a batch of events; resolves "<done>|<outbox>". Rejects on CPU limit or a lost isolate. */
  async dispatch(batch: unknown[]): Promise<string> {
    const { text, binaries } = encodeBatch(batch);
    // An all-text batch is one primitive string; binaries are copied in beside it.
    const result: unknown =
      binaries.length === 0
        ? await this.dispatchFn.apply(undefined, [text], { timeout: this.cpuLimitMs })
        : await this.dispatchFn.apply(undefined, [text, binaries], { arguments: { copy: true }, timeout: this.cpuLimitMs });
    return typeof result === "string" ? result : "0|";
  }

  /** After a dispatch was stopped: how far it got, and the outbox of what finished. */
  async recover(): Promise<string> {
    const result: unknown = await this.recoverFn.apply(undefined, [], { timeout: this.cpuLimitMs });
    return typeof result === "string" ? result : "0|";
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
        sliceMs: Math.max(1, Math.floor(limits.cpuLimitMs / 2)),
        modules: [...sources.modules.keys()].join(", "),
      };
      const preludeScript = await project.script("aerostat:prelude.js", sources.prelude);
      const preludeFn = await preludeScript.run(context, { reference: true, timeout });
      refs.push(preludeFn);
      const internals: ivm.Reference = await preludeFn.apply(
        undefined,
        [new ivm.Callback(hostCall), JSON.stringify(settings)],
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

      const outcome = isEsm(key, source)
        ? await loadEsm(isolate, context, key, source, await fn("installEsm"), timeout)
        : await loadCjs(isolate, context, key, source, await fn("installCjs"), timeout);

      const guest = new GuestContext(
        context,
        (await internals.get("dispatch", { reference: true })) as ivm.Reference<
          (text: string, binaries?: ArrayBuffer[]) => string
        >,
        (await internals.get("recover", { reference: true })) as ivm.Reference<() => string>,
        limits.cpuLimitMs,
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

function isEsm(key: string, source: string): boolean {
  if (key.endsWith(".mjs") || key.endsWith(".mts")) return true;
  if (key.endsWith(".cjs") || key.endsWith(".cts")) return false;
  // .js and .ts: ES module when it has top-level import/export statements.
  return /^\s*(import\s*[\w*{"'\s]|export\s)/m.test(source);
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

async function loadEsm(
  isolate: ivm.Isolate,
  context: ivm.Context,
  key: string,
  source: string,
  installEsm: ivm.Reference,
  timeout: number,
): Promise<string> {
  let mod: ivm.Module;
  try {
    mod = await isolate.compileModule(source, { filename: key });
  } catch (error) {
    throw loadError(key, error, "has a syntax error");
  }
  try {
    await mod.instantiate(context, async (specifier) => {
      const names = RuntimeModuleExports[specifier as RuntimeModuleName];
      if (!names) {
        throw new Error(`Cannot import "${specifier}": handler scripts can only import the runtime modules.`);
      }
      const text =
        `const m = require(${JSON.stringify(specifier)});\nexport default m;\n` +
        names.map((n) => `export const ${n} = m.${n};`).join("\n");
      return isolate.compileModule(text, { filename: `aerostat:${specifier}.mjs` });
    });
    await mod.evaluate({ timeout });
    const result: unknown = await installEsm.apply(undefined, [mod.namespace.derefInto()], { timeout });
    return installOutcome(key, result);
  } catch (error) {
    throw error instanceof AerostatError ? error : loadError(key, error, "did not finish loading");
  }
}

/** Reads the prelude's "ok|outbox" or "error|outbox\0message\0stack". */
function installOutcome(key: string, result: unknown): string {
  const text = typeof result === "string" ? result : "";
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
