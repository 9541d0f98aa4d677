import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import ts from "typescript";
import { afterEach, describe, expect, it } from "vitest";
import { aerostatCommand, typecheckCommand } from "../../src/cli/next-steps.js";
import { CliProcess, killAll, nextSteps, REPO } from "../helpers/cli-process.js";

const TSC = path.join(REPO, "node_modules/.bin/tsc");
const dirs: string[] = [];
afterEach(() => {
  killAll();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function freshDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), "aerostat-init-"));
  dirs.push(d);
  return path.join(d, "my-app");
}

/** Type-checks a project with its own config, as an editor would; returns tsc's output ("" when clean). */
async function typecheck(dir: string, config: string): Promise<string> {
  try {
    await promisify(execFile)(process.execPath, [TSC, "-p", path.join(dir, config)]);
    return "";
  } catch (error) {
    return String((error as { stdout?: string }).stdout);
  }
}

/** What an editor offers after `text` at the end of `file`, through the project's own config. */
function completionsAfter(dir: string, config: string, file: string, text: string): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(dir, config), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  })!;
  const target = path.join(dir, file);
  const content = `${readFileSync(target, "utf8")}\n${text}`;
  const service = ts.createLanguageService({
    getCompilationSettings: () => parsed.options,
    getScriptFileNames: () => parsed.fileNames,
    getScriptVersion: () => "1",
    getScriptSnapshot: (f) =>
      ts.ScriptSnapshot.fromString(path.resolve(f) === target ? content : (ts.sys.readFile(f) ?? "")),
    getCurrentDirectory: () => dir,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
  });
  const found = service.getCompletionsAtPosition(target, content.length, {});
  return (found?.entries ?? []).map((e) => e.name);
}

describe("aerostat init", () => {
  it("creates an endpoint with a TypeScript handler whose types resolve, and says what to do next", async () => {
    const dir = freshDir();
    const proc = new CliProcess(["init", dir]);
    expect(await proc.exited).toBe(0);
    expect(proc.output()).toContain(`Created ${dir}/ with one endpoint, "hello"`);
    expect(proc.output()).toMatch(/Next, from this folder:\n {2}npm run aerostat -- serve \S+ +# then open http:\/\/127\.0\.0\.1:8080\//);
    for (const f of ["app/hello.websocket", "app/hello.ts", "tsconfig.json", "public/index.html"]) {
      expect(proc.output()).toContain(`${dir}/${f}`);
    }
    expect(JSON.parse(readFileSync(path.join(dir, "app/hello.websocket"), "utf8"))).toMatchObject({
      handler: "app/hello",
      endpoint: "hello",
    });
    expect(await typecheck(dir, "tsconfig.json")).toBe("");

    // An editor autocompletes the runtime API, and a connection's members.
    const api = completionsAfter(dir, "tsconfig.json", "app/hello.ts", "import * as ws from \"net/v4/websockets\";\nws.");
    expect(api).toEqual(expect.arrayContaining(["broadcast", "createWebsocket", "getClients", "getMessage", "getSessions"]));
    const connection = completionsAfter(dir, "tsconfig.json", "app/hello.ts", "export function f(c: Connection) { c.");
    expect(connection).toEqual(expect.arrayContaining(["send", "close", "id", "endpoint"]));

    // The types are really wired: a misused API is an error at its line.
    const handler = path.join(dir, "app/hello.ts");
    writeFileSync(handler, `${readFileSync(handler, "utf8")}\nexport const wrong = (c: Connection) => c.sendd("x");\n`);
    expect(await typecheck(dir, "tsconfig.json")).toMatch(/app\/hello\.ts\(20,\d+\): error TS\d+: Property 'sendd' does not exist/);
  });

  it("prints next steps that work as printed, from the folder where they were printed", async () => {
    const dir = freshDir();
    const proc = new CliProcess(["init", dir]);
    expect(await proc.exited).toBe(0);
    const [serve, check] = nextSteps(proc.output());
    expect(serve).toBe(`npm run aerostat -- serve ${dir}`);
    expect(check).toBe(`npx tsc -p ${dir}`);
    await expect(promisify(execFile)("sh", ["-c", check!], { cwd: REPO })).resolves.toMatchObject({ stdout: "" });
    const served = new CliProcess([], spawn("sh", ["-c", `exec ${serve} --port 0`], { cwd: REPO, env: { ...process.env, AEROSTAT_LOG_LEVEL: "info" }, detached: true }));
    await served.waitFor(/hello +ws:\/\/127\.0\.0\.1:\d+\/websockets\/v4\/service\/hello/, 30_000);
  });

  it("shows in the README the commands init prints in the aerostat folder (which the test above runs)", () => {
    const section = readFileSync(path.join(REPO, "README.md"), "utf8").split("## Start a new project")[1]!;
    const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!.split("\n").map((l) => l.replace(/#.*$/, "").trim());
    expect(block).toEqual(expect.arrayContaining([`${aerostatCommand(REPO)} serve ../my-app`, typecheckCommand(REPO, "../my-app")]));
    expect(section.split("## ")[0]).toContain(`  ${typecheckCommand(REPO, "../my-app")} `);
  });

  it("writes a JavaScript handler and a jsconfig with --js", async () => {
    const dir = freshDir();
    const proc = new CliProcess(["init", dir, "--js"]);
    expect(await proc.exited).toBe(0);
    expect(readFileSync(path.join(dir, "app/hello.js"), "utf8")).toContain('require("net/v4/websockets")');
    const api = completionsAfter(dir, "jsconfig.json", "app/hello.js", "websockets.");
    expect(api).toEqual(expect.arrayContaining(["broadcast", "getMessage", "isOnMessage"]));
    expect(await typecheck(dir, "jsconfig.json")).toBe("");
  });

  it("refuses to overwrite, names the files, and writes nothing", async () => {
    const dir = freshDir();
    expect(await new CliProcess(["init", dir]).exited).toBe(0);
    writeFileSync(path.join(dir, "app/hello.ts"), "// mine\n");
    const again = new CliProcess(["init", dir]);
    expect(await again.exited).toBe(1);
    expect(again.output()).toMatch(/app\/hello\.websocket, app\/hello\.ts, tsconfig\.json, public\/index\.html already exist in .*nothing was written/);
    expect(readFileSync(path.join(dir, "app/hello.ts"), "utf8")).toBe("// mine\n");
  });
});
