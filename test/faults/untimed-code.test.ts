import { describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { nextReload, startProject } from "../helpers/runtime.js";

/**
 * ES modules whose top-level throw would make whoever reads the error spin,
 * with what their load error says now: the getters are stopped at the CPU
 * limit, and a stack formatter cannot be installed.
 */
const SPINNING_ERRORS: Record<string, RegExp> = {
  "getters.mjs": /top-level code ran past the CPU limit/,
  "formatter.mjs": /top-level code threw (Error: formatted forever|TypeError: Cannot assign to read only property 'prepareStackTrace')/,
};
const SOURCES: Record<string, string> = {
  "getters.mjs": "throw { get message() { for (;;) {} }, get stack() { for (;;) {} }, get name() { for (;;) {} } };\nexport const x = 1;",
  "formatter.mjs": "Error.prepareStackTrace = () => { for (;;) {} };\nthrow new Error('formatted forever');\nexport const x = 1;",
};

describe("guest code the host would run without a time limit", () => {
  it("stops an ES module whose top-level error spins when read, and still listens at startup", { timeout: 20_000 }, async () => {
    const files: Record<string, string> = {
      "good/echo.js": "exports.onMessage = (m) => 'good:' + m;",
      "good/echo.websocket": descriptor("echo", "good/echo"),
    };
    for (const [name, text] of Object.entries(SOURCES)) {
      files[`bad/${name}`] = text;
      files[`bad/${name.replace(".mjs", ".websocket")}`] = descriptor(name.replace(".mjs", ""), `bad/${name}`);
    }
    const { url, logs } = await startProject(files, { cpuLimitMs: 300 });
    expect(await (await TestClient.connect(url("echo"))).ask("x")).toBe("good:x");
    for (const [name, expected] of Object.entries(SPINNING_ERRORS)) {
      await logs.waitFor((l) => l.code === "AEROSTAT_HANDLER_LOAD" && l.msg.startsWith(`bad/${name}`) && expected.test(l.msg));
    }
  });

  it("stops such a module on a hot reload, and file reloads go on for every project", { timeout: 20_000 }, async () => {
    const { url, runtime, project } = await startProject(
      {
        "good/echo.js": "exports.onMessage = (m) => 'v1:' + m;",
        "good/echo.websocket": descriptor("echo", "good/echo"),
        "bad/h.mjs": "export function onMessage(m) { return m; }",
        "bad/h.websocket": descriptor("bad", "bad/h.mjs"),
      },
      { cpuLimitMs: 300 },
    );
    for (const [name, expected] of Object.entries(SPINNING_ERRORS)) {
      const failed = nextReload(runtime, (e) => e.file === "bad/h.mjs" && !e.ok, 10_000);
      await project.write("bad/h.mjs", SOURCES[name]!);
      expect((await failed).error?.message).toMatch(expected);
    }
    const reloaded = nextReload(runtime, (e) => e.file === "good/echo.js" && e.ok, 10_000);
    await project.write("good/echo.js", "exports.onMessage = (m) => 'v2:' + m;");
    await reloaded;
    expect(await (await TestClient.connect(url("echo"))).ask("x")).toBe("v2:x");
    // The last good version of the bad module keeps serving.
    expect(await (await TestClient.connect(url("bad"))).ask("still")).toBe("still");
  });

  it("offers no finalization callbacks, which V8 would run outside any event and any CPU limit", async () => {
    const { url } = await startProject({
      "p/final.js": `
        exports.onMessage = (m) => {
          try {
            const registry = new FinalizationRegistry(() => { for (;;) {} });
            for (let i = 0; i < 1000; i++) registry.register({ garbage: new Array(1000).fill(i) }, i);
            return "registered";
          } catch (e) {
            return String(e);
          }
        };`,
      "p/final.websocket": descriptor("final", "p/final"),
      "p/ping.js": "exports.onMessage = (m) => { const junk = []; for (let i = 0; i < 2000; i++) junk.push(new Array(500).fill(m)); return 'pong:' + m; };",
      "p/ping.websocket": descriptor("ping", "p/ping"),
    });
    const c = await TestClient.connect(url("final"));
    expect(await c.ask("go")).toBe("ReferenceError: FinalizationRegistry is not defined");
    // Garbage is made and collected in the same isolate; it keeps answering.
    const ping = await TestClient.connect(url("ping"));
    for (let i = 0; i < 20; i++) expect(await ping.ask(String(i))).toBe(`pong:${i}`);
  });

  it("offers no Atomics.waitAsync, whose callbacks V8 would also run outside any event", async () => {
    const { url } = await startProject({
      "p/wait.js": "exports.onMessage = () => typeof Atomics.waitAsync + ',' + typeof Atomics.wait;",
      "p/wait.websocket": descriptor("wait", "p/wait"),
    });
    expect(await (await TestClient.connect(url("wait"))).ask("x")).toBe("undefined,function");
  });
});
