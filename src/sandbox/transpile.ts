import { transform, type TransformFailure } from "esbuild";
import { AerostatError, UserErrorCodes } from "../errors/codes.js";

/** Handler extensions that are TypeScript and go through the transpiler. */
export const TYPESCRIPT_EXTENSIONS = [".ts", ".mts", ".cts"] as const;

export interface Transpiled {
  /** JavaScript the sandbox runs. */
  readonly code: string;
  /** Source map JSON back to the user's file, for TypeScript handlers. */
  readonly map?: string;
}

export function isTypeScript(key: string): boolean {
  return TYPESCRIPT_EXTENSIONS.some((e) => key.endsWith(e));
}

/**
 * TypeScript handlers are transpiled with esbuild (types are stripped, not
 * checked; run `tsc --noEmit` for that). As with tsc, `.cts` becomes CommonJS
 * and `.mts` an ES module; in `.ts` module syntax is kept as written, so
 * `import`/`export` stays an ES module and `exports.onMessage = …` stays
 * CommonJS. A syntax error names the .ts file, line and column.
 */
export async function transpileHandler(key: string, source: string): Promise<Transpiled> {
  if (!isTypeScript(key)) return { code: source };
  try {
    const result = await transform(source, {
      loader: "ts",
      sourcefile: key,
      ...(key.endsWith(".cts") ? { format: "cjs" as const } : key.endsWith(".mts") ? { format: "esm" as const } : {}),
      sourcemap: "external",
      target: "es2024",
      logLevel: "silent",
    });
    return { code: result.code, map: result.map };
  } catch (cause) {
    const first = (cause as TransformFailure).errors?.[0];
    const where = first?.location;
    throw new AerostatError(
      UserErrorCodes.HANDLER_LOAD,
      `has a syntax error: ${first?.text ?? String(cause)}. Fix the module; the last good version keeps serving meanwhile.`,
      { file: key, ...(where ? { line: where.line, column: where.column + 1 } : {}) },
      { cause },
    );
  }
}
