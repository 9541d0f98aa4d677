import { transform, type TransformFailure } from "esbuild";
import { AerostatError, UserErrorCodes } from "../errors/codes.js";
import { TYPESCRIPT_EXTENSIONS } from "../protocol/handler-files.js";


export interface Transpiled {
  /** JavaScript the sandbox runs. */
  readonly code: string;
  /** Source map JSON back to the user's file, for transpiled handlers. */
  readonly map?: string;
}

export function isTypeScript(key: string): boolean {
  return TYPESCRIPT_EXTENSIONS.some((e) => key.endsWith(e));
}

/** Whether a JavaScript handler is an ES module: .mjs, or .js with top-level import/export. */
export function isEsm(key: string, source: string): boolean {
  if (key.endsWith(".mjs") || key.endsWith(".mts")) return true;
  if (key.endsWith(".cjs") || key.endsWith(".cts")) return false;
  return /^\s*(import\s*[\w*{"'\s]|export\s)/m.test(source);
}

/**
 * Every handler runs as CommonJS, so its top-level code runs inside the
 * prelude's timed, guarded call: a module that throws a hostile value is
 * stopped at the CPU limit like any other code (a native ES module's error
 * would be read by the host outside any time limit).
 *
 * TypeScript handlers are transpiled with esbuild (types are stripped, not
 * checked; run `tsc --noEmit` for that); ES modules, TypeScript or JavaScript,
 * become CommonJS with a source map, so errors still name the user's line. A
 * plain CommonJS handler runs as written. A syntax error names the file, line
 * and column. Handlers that import project files or packages are bundled
 * instead (bundle.ts).
 */
export async function transpileHandler(key: string, source: string): Promise<Transpiled> {
  const typescript = isTypeScript(key);
  if (!typescript && !isEsm(key, source)) return { code: source };
  try {
    const result = await transform(source, {
      loader: typescript ? "ts" : "js",
      sourcefile: key,
      format: "cjs",
      sourcemap: "external",
      target: "es2024",
      logLevel: "silent",
    });
    return { code: result.code, map: result.map };
  } catch (cause) {
    const first = (cause as TransformFailure).errors?.[0];
    const where = first?.location;
    const text = first?.text ?? String(cause);
    const reason = /top-level await/i.test(text)
      ? "uses top-level await, which handlers do not support: move the code that awaits into a handler function (onOpen, say)"
      : `has a syntax error: ${text}`;
    throw new AerostatError(
      UserErrorCodes.HANDLER_LOAD,
      reason,
      { file: key, ...(where ? { line: where.line, column: where.column + 1 } : {}) },
      { cause },
    );
  }
}
