import path from "node:path";
import { AerostatError } from "../errors/codes.js";
import { initProject } from "../scaffold/init-project.js";
import { aerostatCommand, shellWord, typecheckCommand } from "./next-steps.js";

export interface InitFlags {
  js?: boolean;
}

const WHAT: Record<string, string> = {
  websocket: "the descriptor: endpoint name and handler",
  ts: "its handler, in TypeScript",
  js: "its handler",
  json: "editor autocomplete for net/v4/websockets, and type checks with tsc -p",
  html: "a page that talks to the endpoint",
};

/** `aerostat init <dir>`: scaffold a project and say what to do next. */
export async function init(dir: string, flags: InitFlags): Promise<void> {
  let files: string[];
  try {
    files = await initProject(dir, flags.js ? "js" : "ts");
  } catch (error) {
    process.stderr.write(`aerostat: ${error instanceof AerostatError ? error.toString() : String(error)}\n`);
    process.exit(1);
  }
  const shown = path.isAbsolute(dir) ? path.resolve(dir) : path.relative(process.cwd(), path.resolve(dir)) || ".";
  const width = Math.max(...files.map((f) => f.length)) + shown.length + 3;
  const lines = [`Created ${shown}/ with one endpoint, "hello":`];
  for (const f of files) lines.push(`  ${`${shown}/${f}`.padEnd(width)} ${WHAT[path.extname(f).slice(1)] ?? ""}`);
  // Commands that work from this folder, as printed: each line is a shell command and a # comment.
  const cwd = process.cwd();
  const steps: [string, string][] = [
    [`${aerostatCommand(cwd)} serve ${shellWord(shown)}`, "then open http://127.0.0.1:8080/ (the dashboard is at /websockets/v4/)"],
    [typecheckCommand(cwd, shown), "type-checks the handlers (serve only strips the types)"],
  ];
  const commandWidth = Math.max(...steps.map(([c]) => c.length)) + 2;
  lines.push("", "Next, from this folder:", ...steps.map(([command, what]) => `  ${command.padEnd(commandWidth)}# ${what}`));
  process.stdout.write(`${lines.join("\n")}\n`);
}
