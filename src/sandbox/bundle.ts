import path from "node:path";
import { build, type BuildFailure, type Message } from "esbuild";
import { AerostatError, UserErrorCodes } from "../errors/codes.js";
import { IMPORT_EXTENSIONS, importPolicy, underRoot, type ImportScope } from "./import-policy.js";

/** The files a load read, and the ones an import looked for in vain: a change to any of them loads the handler again. */
export interface ImportedFiles {
  /** Project files the bundle read, the handler's own file included (absolute paths under the root). */
  readonly read: ReadonlySet<string>;
  /** Paths, without extension, of relative imports that found no file. */
  readonly missing: ReadonlySet<string>;
}

export interface Bundled {
  /** JavaScript the sandbox runs: one CommonJS module. */
  readonly code: string;
  /** Source map JSON back to every file in the bundle (paths relative to the project root). */
  readonly map: string;
}

/** Thrown by bundleHandler: the error to report, and the files the attempt read. */
export class BundleError extends Error {
  constructor(
    readonly error: AerostatError,
    readonly files: ImportedFiles,
  ) {
    super(error.message);
  }
}

/**
 * Bundles a handler with the project files and packages it imports, in
 * memory, into one CommonJS module with a source map. Runtime modules stay
 * `require` calls the guest answers; every other file is read through the
 * import policy (import-policy.ts). Types are stripped, not checked. Throws
 * BundleError with the first problem at its file:line:col.
 */
export async function bundleHandler(scope: ImportScope): Promise<Bundled & { files: ImportedFiles }> {
  const outfile = path.join(scope.realRoot, "aerostat-handler-bundle.js");
  const files = (): ImportedFiles => ({ read: scope.read, missing: scope.missing });
  try {
    const result = await build({
      entryPoints: [scope.entry.file],
      absWorkingDir: scope.realRoot,
      outfile,
      bundle: true,
      write: false,
      format: "cjs",
      platform: "neutral",
      mainFields: ["module", "main"],
      resolveExtensions: IMPORT_EXTENSIONS,
      // The project's tsconfig.json is for the editor and tsc; handlers are transpiled the same way everywhere.
      tsconfigRaw: "{}",
      target: "es2024",
      metafile: true,
      sourcemap: "external",
      sourcesContent: true,
      logLevel: "silent",
      plugins: [importPolicy(scope)],
    });
    const code = result.outputFiles.find((f) => f.path === outfile)?.text ?? "";
    const map = result.outputFiles.find((f) => f.path === `${outfile}.map`)?.text ?? "";
    // Exactly what went into the bundle (an import that type stripping dropped is not a dependency).
    const read = new Set(Object.keys(result.metafile.inputs).map((rel) => underRoot(scope, path.resolve(scope.realRoot, rel))));
    return { code, map, files: { read, missing: scope.missing } };
  } catch (cause) {
    const first = (cause as BuildFailure).errors?.[0];
    throw new BundleError(first ? errorOf(first, scope) : new AerostatError(UserErrorCodes.HANDLER_LOAD, String(cause), { file: relativeKey(scope, scope.entry.file) }, { cause }), files());
  }
}

/** An esbuild message as the error aerostat reports: at the file:line:col it names, with aerostat's code. */
function errorOf(message: Message, scope: ImportScope): AerostatError {
  const detail: unknown = message.detail;
  if (detail instanceof AerostatError) return detail;
  const where = message.location;
  const at = where
    ? { file: where.file.split(path.sep).join("/"), line: where.line, column: where.column + 1 }
    : { file: relativeKey(scope, scope.entry.file) };
  if (detail === UserErrorCodes.IMPORT_REFUSED || detail === UserErrorCodes.IMPORT_NOT_FOUND) return new AerostatError(detail, message.text, at);
  const reason = /top-level await/i.test(message.text)
    ? "uses top-level await, which handlers do not support: move the code that awaits into a handler function (onOpen, say)"
    : `has a syntax error: ${message.text}`;
  return new AerostatError(UserErrorCodes.HANDLER_LOAD, reason, at);
}

function relativeKey(scope: ImportScope, file: string): string {
  return path.relative(scope.realRoot, file).split(path.sep).join("/");
}
