import { symlinkSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { HandlerFault } from "../../src/index.js";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { nextReload, startProject, waitUntil } from "../helpers/runtime.js";

// Type-only lines shift every later line of the bundle: positions must come from the source map.
const UTIL = `type Text = string;

export function parse(s: Text): Text {
  if (s === "throw") throw new RangeError("bad input");
  return s.toUpperCase();
}

export function spin(): void {
  for (;;) {}
}

export function report(): void {
  console.error(new Error("logged"));
}
`;

const HANDLER = `import { parse, report, spin } from "./util";
import settings from "./settings.json";
import { pad } from "tiny-pad";
import type { Connection } from "net/v4/websockets";

export function onMessage(message: string, connection: Connection): string {
  if (message === "spin") spin();
  if (message === "log") report();
  return pad(parse(message) + settings.suffix) + "@" + connection.endpoint;
}
`;

const FILES: Record<string, string> = {
  "p/h.ts": HANDLER,
  "p/util.ts": UTIL,
  "p/settings.json": `{ "suffix": "!" }`,
  "p/h.websocket": descriptor("h", "p/h"),
  "node_modules/tiny-pad/package.json": `{ "name": "tiny-pad", "main": "lib/index.js" }`,
  "node_modules/tiny-pad/lib/index.js": `exports.pad = (s) => "[" + s + "]";\n`,
};

describe("imports", () => {
  it("bundles relative TypeScript and JSON files and a package from the project's node_modules", async () => {
    const { url } = await startProject(FILES);
    const c = await TestClient.connect(url("h"));
    expect(await c.ask("hi")).toBe("[HI!]@h");
  });

  it("reloads every handler that imports a file when that file changes, with connections kept", async () => {
    const { runtime, project, url } = await startProject({
      ...FILES,
      "p/other.js": `const { parse } = require("./util.ts");\nexports.onMessage = (m) => "other:" + parse(m);\n`,
      "p/other.websocket": descriptor("other", "p/other"),
    });
    const h = await TestClient.connect(url("h"));
    const other = await TestClient.connect(url("other"));
    expect(await h.ask("a")).toBe("[A!]@h");
    expect(await other.ask("b")).toBe("other:B");
    const both = Promise.all([
      nextReload(runtime, (e) => e.file === "p/h.ts" && e.ok),
      nextReload(runtime, (e) => e.file === "p/other.js" && e.ok),
    ]);
    await project.write("p/util.ts", UTIL.replace("s.toUpperCase()", "s.toLowerCase() + s.length"));
    await both;
    expect(await h.ask("XY")).toBe("[xy2!]@h");
    expect(await other.ask("Q")).toBe("other:q1");
    const json = nextReload(runtime, (e) => e.file === "p/h.ts" && e.ok);
    await project.write("p/settings.json", `{ "suffix": "?" }`);
    await json;
    expect(await h.ask("z")).toBe("[z1?]@h");
    expect(h.isOpen && other.isOpen).toBe(true);
  });

  it("keeps the last good version serving when an imported file is deleted, and says so", async () => {
    const { runtime, project, url } = await startProject(FILES);
    const c = await TestClient.connect(url("h"));
    expect(await c.ask("a")).toBe("[A!]@h");
    const failed = nextReload(runtime, (e) => e.file === "p/h.ts" && !e.ok);
    await project.remove("p/settings.json");
    expect((await failed).error?.toString()).toBe(
      'p/h.ts:2:22: cannot import "./settings.json": no such file in the project (tried .ts .mts .cts .js .mjs .cjs .json and index files); ' +
        "create it or fix the path. The last good version keeps serving meanwhile.",
    );
    expect(await c.ask("b")).toBe("[B!]@h");
    const back = nextReload(runtime, (e) => e.file === "p/h.ts" && e.ok);
    await project.write("p/settings.json", `{ "suffix": "+" }`);
    await back;
    expect(await c.ask("c")).toBe("[C+]@h");
  });

  it("refuses a Node built-in and a path outside the project root at the import's file:line:col, with one sentence", async () => {
    const { runtime } = await startProject({
      "p/fs.ts": `type T = number;\nimport { readFileSync } from "fs";\nexport const onMessage = (): string => String(readFileSync);\n`,
      "p/fs.websocket": descriptor("fs", "p/fs"),
      "p/node.js": `const os = require("node:os");\nexports.onMessage = () => os.hostname();\n`,
      "p/node.websocket": descriptor("node", "p/node"),
      "p/out.ts": `import { secret } from "../../outside.js";\nexport const onMessage = (): string => secret;\n`,
      "p/out.websocket": descriptor("out", "p/out"),
    });
    const errors = await waitUntil(() => {
      const stats = runtime.handlerStats();
      return stats.length === 3 && stats.every((s) => s.error) ? Object.fromEntries(stats.map((s) => [s.handler, s.error])) : undefined;
    });
    const builtIn = "Node built-ins do not exist in the sandbox; use the runtime modules (net/v4/websockets, net/websockets, sdk/net, sdk/http, http/v4/request, http/v4/response, aerostat/web, core/v4/configurations, core/configurations, sdk/core, net/v4/events, net/events, net/v4/channels, net/channels, net/v4/monorail, net/monorail, net/v4/evqueue, net/evqueue) instead.";
    expect(errors["p/fs.ts"]).toBe(`p/fs.ts:2:30: cannot import "fs": ${builtIn}`);
    expect(errors["p/node.js"]).toBe(`p/node.js:1:20: cannot import "node:os": ${builtIn}`);
    expect(errors["p/out.ts"]).toBe(
      'p/out.ts:1:24: cannot import "../../outside.js": it leads outside the project root; move the file into the project folder and import it from there.',
    );
    expect(runtime.handlerStats().find((s) => s.handler === "p/fs.ts")).toMatchObject({ ready: false });
  });

  it("refuses an import of a package that is not installed; a require of one throws only when it runs", async () => {
    const { runtime, url } = await startProject({
      "p/imp.ts": `import { x } from "not-installed";\nexport const onMessage = (): string => x;\n`,
      "p/imp.websocket": descriptor("imp", "p/imp"),
      "p/req.js": `const { parse } = require("./util.ts");\nexports.onMessage = (m) => m === "db" ? require("db/v4/database") : parse(m);\n`,
      "p/util.ts": UTIL,
      "p/req.websocket": descriptor("req", "p/req"),
    });
    const error = await waitUntil(() => runtime.handlerStats().find((s) => s.handler === "p/imp.ts")?.error);
    expect(error).toMatch(/^p\/imp\.ts:1:19: cannot import "not-installed": it is neither a runtime module \(net\/v4\/websockets, .*\) nor a package in the project's node_modules; install it there \(npm install not-installed\) or fix the name\.$/);
    const c = await TestClient.connect(url("req"));
    expect(await c.ask("ok")).toBe("OK");
    const faults: HandlerFault[] = [];
    runtime.on("fault", (f) => faults.push(f));
    c.send("db");
    expect((await waitUntil(() => faults[0])).error).toMatch(/^TypeError: Cannot require "db\/v4\/database": handler scripts can only require the runtime modules/);
  });

  it("refuses a package whose folder is a link out of the project root", async () => {
    const outside = path.join(tmpdir(), `aerostat-outside-pkg-${process.pid}`);
    await mkdir(outside, { recursive: true });
    await writeFile(path.join(outside, "package.json"), `{ "name": "linked", "main": "index.js" }`);
    await writeFile(path.join(outside, "index.js"), `exports.x = "escaped";\n`);
    const { runtime } = await startProject(
      { "p/h.ts": `import { x } from "linked";\nexport const onMessage = (): string => x;\n`, "p/h.websocket": descriptor("h", "p/h") },
      {},
      async (project) => {
        await mkdir(project.path("node_modules"), { recursive: true });
        symlinkSync(outside, project.path("node_modules/linked"));
      },
    );
    const error = await waitUntil(() => runtime.handlerStats()[0]?.error);
    expect(error).toMatch(/^p\/h\.ts:1:19: cannot import "linked": the package is found outside the project root/);
    expect(error).toContain("npm install linked");
  });

  it("loads a handler once the file its import was missing appears", async () => {
    const { runtime, project, url } = await startProject({
      "p/h.ts": `import { greet } from "./lib/greet";\nexport const onMessage = (m: string): string => greet(m);\n`,
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const error = await waitUntil(() => runtime.handlerStats()[0]?.error);
    expect(error).toMatch(/^p\/h\.ts:1:23: cannot import "\.\/lib\/greet": no such file in the project \(tried \.ts \.mts \.cts \.js \.mjs \.cjs \.json and index files\); create it or fix the path\.$/);
    const loaded = nextReload(runtime, (e) => e.file === "p/h.ts" && e.ok);
    await project.write("p/lib/greet.ts", `export const greet = (m: string): string => "hello " + m;\n`);
    await loaded;
    expect(await (await TestClient.connect(url("h"))).ask("you")).toBe("hello you");
  });

  it("reports a throw in an imported file at that file's line", async () => {
    const { runtime, url } = await startProject(FILES);
    const faults: HandlerFault[] = [];
    runtime.on("fault", (f) => faults.push(f));
    const c = await TestClient.connect(url("h"));
    c.send("throw");
    const fault = await waitUntil(() => faults[0], 5000, "fault");
    expect(fault).toMatchObject({ handler: "p/h.ts", at: "p/util.ts:4:28", error: "RangeError: bad input" });
  });

  it("reports a CPU-limit stop in an imported file at that file's line", async () => {
    const { url, logs } = await startProject(FILES, { cpuLimitMs: 200 });
    const c = await TestClient.connect(url("h"));
    c.send("spin");
    const line = await logs.waitFor((l) => l.msg.includes("ran past the CPU limit"));
    expect(line).toMatchObject({ handler: "p/h.ts", at: "p/util.ts:9:3", method: "onMessage" });
    expect(line.msg).toBe("p/util.ts:9:3: Error: onMessage ran past the CPU limit of 200 ms and was stopped");
  });

  it("reports a CPU-limit stop in an imported file's top-level code at that file's line", async () => {
    const { runtime } = await startProject(
      {
        "p/h.ts": `import { spin } from "./util";\ntype N = number;\nspin();\nexport const onMessage = (m: string): string => m;\n`,
        "p/util.ts": UTIL,
        "p/h.websocket": descriptor("h", "p/h"),
      },
      { cpuLimitMs: 200 },
    );
    const error = await waitUntil(() => runtime.handlerStats()[0]?.error);
    expect(error).toBe("p/util.ts:9:3: top-level code ran past the CPU limit. Fix the module and save it again.");
  });

  it("maps stacks a handler logs to each file and hides the runtime's own frames", async () => {
    const { url, logs } = await startProject(FILES);
    const c = await TestClient.connect(url("h"));
    c.send("log");
    const line = await logs.waitFor((l) => l.msg.startsWith("Error: logged"));
    expect(line.msg).toBe("Error: logged\n    at report (p/util.ts:13:17)\n    at Object.onMessage (p/h.ts:8:26)");
  });
});
