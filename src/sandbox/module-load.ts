import { AerostatError, UserErrorCodes } from "../errors/codes.js";
import { SourcePositions } from "../errors/source-positions.js";
import { readProjectFile } from "../files/safe-read.js";
import { checkModuleSyntax, GuestContext, type ContextCapability, type ContextLimits, type HostCall, type LoadedModule } from "./guest-context.js";
import type { ProjectIsolate } from "./project-isolate.js";
import { isEsm, isTypeScript, transpileHandler } from "./transpile.js";

export type LoadAttempt =
  | { ok: true; loaded: LoadedModule; positions: SourcePositions }
  | { ok: false; error: AerostatError };

/**
 * A handler file, read safely, checked, transpiled and run in a new context of
 * `isolate`. Errors name the user's file and line (in their source, for
 * TypeScript). The isolate counts the load as busy, so no inline dispatch
 * waits for it.
 */
export async function loadHandlerFile(
  isolate: ProjectIsolate,
  key: string,
  file: string,
  hostCall: HostCall,
  limits: ContextLimits,
  capabilities: readonly ContextCapability[],
  /** A script service: its top level runs per request, not at load. */
  onDemand = false,
): Promise<LoadAttempt> {
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
    return { ok: false, error };
  }
  let positions = new SourcePositions(key);
  try {
    if (!isTypeScript(key) && isEsm(key, source)) await isolate.track(() => checkModuleSyntax(isolate, key, source));
    const transpiled = await transpileHandler(key, source);
    positions = new SourcePositions(key, transpiled.map);
    const loaded = await isolate.track(() => GuestContext.load(isolate, key, transpiled.code, hostCall, limits, capabilities, onDemand));
    return { ok: true, loaded, positions };
  } catch (cause) {
    const error =
      cause instanceof AerostatError
        ? inUserSource(cause, positions)
        : new AerostatError(UserErrorCodes.HANDLER_LOAD, String(cause), { file: key }, { cause });
    return { ok: false, error };
  }
}

/** The same error, with its line and column moved from transpiled code to the user's source. */
function inUserSource(error: AerostatError, positions: SourcePositions): AerostatError {
  const at = error.location;
  if (!at?.line || at.file !== positions.key) return error;
  const original = positions.original({ line: at.line, column: at.column ?? 1 });
  return new AerostatError(error.code, positions.rewrite(error.message), { ...at, ...original }, { cause: error.cause });
}
