import { existsSync, realpathSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The folder of this aerostat's package.json: dist/cli/ (or src/cli/) is two levels below it. */
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The folder npm and npx treat as the project from `cwd`: the nearest one up with a package.json or node_modules. */
function npmProject(cwd: string): string | undefined {
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json")) || existsSync(path.join(dir, "node_modules"))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** Whether `name` is a command on PATH. */
function onPath(name: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? "").split(path.delimiter).some((dir) => dir && existsSync(path.join(dir, name)));
}

/** `text` as one shell word. */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * How to run aerostat from `cwd`, as a command prefix that works there:
 * `npm run aerostat --` in aerostat's own folder, `npx aerostat` in an app
 * that has it in node_modules/.bin, `aerostat` when it is on PATH, and
 * otherwise this Node with the bin's full path.
 */
export function aerostatCommand(cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const project = npmProject(real(cwd));
  if (project && real(project) === real(PACKAGE_ROOT)) return "npm run aerostat --";
  if (project && existsSync(path.join(project, "node_modules/.bin/aerostat"))) return "npx aerostat";
  if (onPath("aerostat", env)) return "aerostat";
  return `${shellWord(process.execPath)} ${shellWord(path.join(PACKAGE_ROOT, "dist/cli/main.js"))}`;
}

/**
 * How to type-check a project folder from `cwd`: `npx tsc -p <dir>` where
 * TypeScript is installed for the npm project there, otherwise npx fetches it
 * (`npx --package typescript tsc -p <dir>`).
 */
export function typecheckCommand(cwd: string, dir: string): string {
  const project = npmProject(real(cwd));
  const local = project !== undefined && existsSync(path.join(project, "node_modules/.bin/tsc"));
  return `${local ? "npx tsc" : "npx --package typescript tsc"} -p ${shellWord(dir)}`;
}
