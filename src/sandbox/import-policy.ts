import { builtinModules } from "node:module";
import { realpath } from "node:fs/promises";
import path from "node:path";
import type { Loader, OnResolveArgs, OnResolveResult, Plugin } from "esbuild";
import { AerostatError, UserErrorCodes } from "../errors/codes.js";
import { readProjectFile } from "../files/safe-read.js";
import type { GuestCapability } from "../protocol/settings.js";

/** Extensions an import may name or leave out, and how esbuild reads each. */
export const IMPORT_LOADERS: Readonly<Record<string, Loader>> = {
  ".ts": "ts",
  ".mts": "ts",
  ".cts": "ts",
  ".js": "js",
  ".mjs": "js",
  ".cjs": "js",
  ".json": "json",
};
export const IMPORT_EXTENSIONS = Object.keys(IMPORT_LOADERS);

/** What one handler's bundle may reach, and what it read. */
export interface ImportScope {
  /** The project root as the runtime was given it. */
  readonly root: string;
  /** Its real path: esbuild names files by real path. */
  readonly realRoot: string;
  /** Module names the guest's require provides: never bundled. */
  readonly runtimeModules: ReadonlySet<string>;
  /** The handler file (real path) and its text, already read. */
  readonly entry: { readonly file: string; readonly source: string };
  /** Project files the bundle read, as paths under `root`. */
  readonly read: Set<string>;
  /** Paths (under `root`, extension left out) a relative import looked for and did not find. */
  readonly missing: Set<string>;
}

/** Every module name the guest's require answers to: capability modules, aliases, namespaces, member modules. */
export function runtimeModuleNames(capabilities: readonly GuestCapability[]): Set<string> {
  const names = new Set<string>();
  for (const c of capabilities) {
    names.add(c.module);
    for (const a of c.aliases ?? []) names.add(a);
    for (const n of c.namespaces ?? []) names.add(n.module);
    for (const m of c.memberModules ?? []) names.add(m.module);
  }
  return names;
}

const NODE_BUILTINS = new Set(builtinModules);

function isBuiltin(spec: string): boolean {
  return spec.startsWith("node:") || NODE_BUILTINS.has(spec);
}

function isRelative(spec: string): boolean {
  return spec === "." || spec === ".." || spec.startsWith("./") || spec.startsWith("../") || path.isAbsolute(spec);
}

function inside(dir: string, file: string): boolean {
  return file.startsWith(dir + path.sep);
}

/** `file` (a real path, or one under the root as given) as a path under the root as given. */
export function underRoot(scope: Pick<ImportScope, "root" | "realRoot">, file: string): string {
  return inside(scope.realRoot, file) && !inside(scope.root, file) ? path.join(scope.root, path.relative(scope.realRoot, file)) : file;
}

/** The package name of a bare specifier: "lodash/fp" → "lodash", "@scope/pkg/x" → "@scope/pkg". */
function packageName(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

type RefusalCode = (typeof UserErrorCodes)["IMPORT_REFUSED" | "IMPORT_NOT_FOUND"];
/** An esbuild error at the import; its detail is the code the refusal is reported with. */
type Refuse = (code: RefusalCode, text: string) => OnResolveResult;

/** Marks the plugin's own esbuild.resolve() calls, so they are not refused again. */
const INNER = Symbol("aerostat.inner-resolve");

/**
 * The esbuild plugin that decides what a handler may import, and reads every
 * file through the safe reader (size limit, regular files only, no link out
 * of the root). Runtime modules stay external (the guest's require provides
 * them); `./x` and `../x` resolve inside the project root; bare names resolve
 * from the project's node_modules; Node built-ins and anything outside the
 * root are refused. A refusal is an esbuild error at the import's
 * file:line:col, whose `detail` is the AerostatError to report.
 */
export function importPolicy(scope: ImportScope): Plugin {
  const modules = [...scope.runtimeModules].join(", ");
  return {
    name: "aerostat-imports",
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === "entry-point" || args.pluginData === INNER) return undefined;
        const spec = args.path;
        const refuse: Refuse = (code, text) => ({
          errors: [{ text: `cannot import "${spec}": ${text}`, detail: code }],
        });
        if (scope.runtimeModules.has(spec)) return { path: spec, external: true };
        if (spec.startsWith("node:")) {
          return refuse(UserErrorCodes.IMPORT_REFUSED, `Node built-ins do not exist in the sandbox; use the runtime modules (${modules}) instead.`);
        }
        const relative = isRelative(spec);
        if (relative) {
          const target = path.resolve(args.resolveDir, spec);
          if (!inside(scope.root, target) && !inside(scope.realRoot, target)) {
            return refuse(UserErrorCodes.IMPORT_REFUSED, "it leads outside the project root; move the file into the project folder and import it from there.");
          }
        }
        const found = await build.resolve(spec, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: INNER });
        if (found.errors.length > 0 || !found.path) return notFound(scope, spec, relative, args, modules, refuse);
        const real = await realpath(found.path).catch(() => found.path);
        if (!inside(scope.realRoot, real)) {
          if (!relative && isBuiltin(spec)) return notFound(scope, spec, relative, args, modules, refuse);
          return refuse(
            UserErrorCodes.IMPORT_REFUSED,
            relative
              ? "it leads outside the project root through a link; replace the link with the file itself."
              : `the package is found outside the project root (or through a link out of it); install it in the project's own node_modules (npm install ${packageName(spec)}).`,
          );
        }
        if (!(path.extname(real) in IMPORT_LOADERS)) {
          return refuse(UserErrorCodes.IMPORT_REFUSED, `only ${IMPORT_EXTENSIONS.join(" ")} files can be imported; turn it into one of those.`);
        }
        return { path: real, ...(found.sideEffects === false ? { sideEffects: false } : {}) };
      });
      build.onLoad({ filter: /.*/, namespace: "file" }, async (args) => {
        const loader = IMPORT_LOADERS[path.extname(args.path)] ?? "js";
        scope.read.add(underRoot(scope, args.path));
        if (args.path === scope.entry.file) return { contents: scope.entry.source, loader };
        const rel = path.relative(scope.realRoot, args.path).split(path.sep).join("/");
        try {
          return { contents: await readProjectFile(args.path, rel, "handler"), loader };
        } catch (error) {
          const unsafe =
            error instanceof AerostatError
              ? error
              : new AerostatError(UserErrorCodes.IMPORT_NOT_FOUND, `cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)}); restore it.`, { file: rel });
          return { errors: [{ text: unsafe.message, detail: unsafe }] };
        }
      });
    },
  };
}

/**
 * A specifier that resolves to nothing: the refusal names what to do, and a
 * relative one is remembered as missing. A bare name that `require()` or
 * `import()` asks for is left to run time, as CommonJS does: the guest's
 * require throws there naming the runtime modules, so a Dirigible script that
 * requires a module aerostat lacks on a path it never takes still loads.
 */
function notFound(
  scope: ImportScope,
  spec: string,
  relative: boolean,
  args: OnResolveArgs,
  modules: string,
  refuse: Refuse,
): OnResolveResult {
  if (relative) {
    scope.missing.add(underRoot(scope, path.resolve(args.resolveDir, spec)));
    return refuse(
      UserErrorCodes.IMPORT_NOT_FOUND,
      `no such file in the project (tried ${IMPORT_EXTENSIONS.join(" ")} and index files); create it or fix the path.`,
    );
  }
  if (isBuiltin(spec)) {
    return refuse(UserErrorCodes.IMPORT_REFUSED, `Node built-ins do not exist in the sandbox; use the runtime modules (${modules}) instead.`);
  }
  if (args.kind === "require-call" || args.kind === "dynamic-import") return { path: spec, external: true };
  return refuse(
    UserErrorCodes.IMPORT_NOT_FOUND,
    `it is neither a runtime module (${modules}) nor a package in the project's node_modules; install it there (npm install ${packageName(spec)}) or fix the name.`,
  );
}

/** Module names in import/export ... from, import "x", import("x") and require("x"). */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(["'])([^"'\n]+)\1/g;

/**
 * Whether a handler's source names a module other than the runtime's: then
 * it is bundled. A cheap look at the text: a name in a comment or a string
 * only costs a bundle that was not needed.
 */
export function importsOtherModules(source: string, runtimeModules: ReadonlySet<string>): boolean {
  for (const m of source.matchAll(SPECIFIER)) if (!runtimeModules.has(m[2]!)) return true;
  return false;
}
