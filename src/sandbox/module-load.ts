import { realpath } from "node:fs/promises";
import path from "node:path";
import { AerostatError, UserErrorCodes } from "../errors/codes.js";
import { SourcePositions } from "../errors/source-positions.js";
import { readProjectFile } from "../files/safe-read.js";
import { BundleError, bundleHandler, type ImportedFiles } from "./bundle.js";
import { checkModuleSyntax, GuestContext, type ContextCapability, type ContextLimits, type HostCall, type LoadedModule } from "./guest-context.js";
import { importsOtherModules, runtimeModuleNames } from "./import-policy.js";
import type { ProjectIsolate } from "./project-isolate.js";
import { isEsm, isTypeScript, transpileHandler } from "./transpile.js";

export type LoadAttempt =
  | { ok: true; loaded: LoadedModule; positions: SourcePositions; files: ImportedFiles }
  | { ok: false; error: AerostatError; files: ImportedFiles };

export interface LoadRequest {
  readonly isolate: ProjectIsolate;
  /** Project-relative path of the handler. */
  readonly key: string;
  readonly file: string;
  readonly hostCall: HostCall;
  readonly limits: ContextLimits;
  readonly capabilities: readonly ContextCapability[];
  /** A script service: its top level runs per request, not at load. */
  readonly onDemand: boolean;
  /** A good version serves meanwhile: errors say so (and only then). */
  readonly serving: boolean;
}

/**
 * A handler file, read safely, checked, transpiled (or bundled with the files
 * it imports) and run in a new context of the request's isolate. Errors name
 * the user's file and line (in their source, for TypeScript and bundles).
 * The isolate counts the load as busy, so no inline dispatch waits for it.
 */
export async function loadHandlerFile(request: LoadRequest): Promise<LoadAttempt> {
  const { isolate, key, file, serving } = request;
  let files: ImportedFiles = { read: new Set([file]), missing: new Set() };
  let source: string;
  try {
    source = await readProjectFile(file, key, "handler");
  } catch (cause) {
    const error =
      cause instanceof AerostatError
        ? cause
        : new AerostatError(
            UserErrorCodes.HANDLER_NOT_FOUND,
            `cannot read the handler file (${(cause as NodeJS.ErrnoException).code ?? cause}). Restore it or point the descriptor elsewhere.`,
            { file: key },
          );
    return { ok: false, error, files };
  }
  let positions = new SourcePositions(key);
  try {
    let code: string;
    const runtimeModules = runtimeModuleNames(request.capabilities);
    if (importsOtherModules(source, runtimeModules)) {
      const root = path.resolve(file, ...key.split("/").map(() => ".."));
      const bundled = await bundleHandler({
        root,
        realRoot: await realpath(root),
        runtimeModules,
        entry: { file: await realpath(file), source },
        read: new Set(),
        missing: new Set(),
      });
      files = bundled.files;
      code = bundled.code;
      positions = new SourcePositions(key, bundled.map);
    } else {
      if (!isTypeScript(key) && isEsm(key, source)) await isolate.track(() => checkModuleSyntax(isolate, key, source));
      const transpiled = await transpileHandler(key, source);
      code = transpiled.code;
      positions = new SourcePositions(key, transpiled.map);
    }
    const { hostCall, limits, capabilities, onDemand } = request;
    const loaded = await isolate.track(() => GuestContext.load(isolate, key, code, positions, hostCall, limits, capabilities, onDemand));
    return { ok: true, loaded, positions, files };
  } catch (cause) {
    if (cause instanceof BundleError) return { ok: false, error: withAdvice(cause.error, serving), files: cause.files };
    const error =
      cause instanceof AerostatError ? inUserSource(cause, positions) : new AerostatError(UserErrorCodes.HANDLER_LOAD, String(cause), { file: key }, { cause });
    return { ok: false, error: withAdvice(error, serving), files };
  }
}

/** The same error, with its line and column moved from transpiled code to the user's source. */
function inUserSource(error: AerostatError, positions: SourcePositions): AerostatError {
  const at = error.location;
  if (!at?.line || at.file !== positions.key) return error;
  const original = positions.original({ line: at.line, column: at.column ?? 1 });
  return new AerostatError(error.code, positions.rewrite(error.message), { ...at, ...original }, { cause: error.cause });
}

/**
 * A load error with what to do about it. "The last good version keeps
 * serving" is said only when one does.
 */
function withAdvice(error: AerostatError, serving: boolean): AerostatError {
  let message: string;
  if (error.code === UserErrorCodes.HANDLER_LOAD) {
    const reason = error.message.replace(/[.\s]+$/, "");
    message = `${reason}. ${serving ? "Fix the module; the last good version keeps serving meanwhile." : "Fix the module and save it again."}`;
  } else if (serving && (error.code === UserErrorCodes.IMPORT_REFUSED || error.code === UserErrorCodes.IMPORT_NOT_FOUND)) {
    message = `${error.message} The last good version keeps serving meanwhile.`;
  } else {
    return error;
  }
  return new AerostatError(error.code, message, error.location, { cause: error.cause });
}
