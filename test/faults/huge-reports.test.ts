import { describe, expect, it } from "vitest";
import type { HandlerFault } from "../../src/index.js";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil } from "../helpers/runtime.js";

describe("what a script's errors make the host hold", () => {
  it("clips huge error texts and stacks before they reach the log, the runtime's events and the dashboard", async () => {
    const { url, runtime, logs } = await startProject({
      "p/throw.js": `
        const huge = "e".repeat(8 * 1024 * 1024);
        exports.onMessage = (m) => {
          for (let i = 0; i < 16; i++) setTimeout(() => { throw new Error(huge); }, 0);
          return "armed";
        };`,
      "p/throw.websocket": descriptor("throw", "p/throw"),
      "p/echo.js": "exports.onMessage = (m) => 'echo:' + m;",
      "p/echo.websocket": descriptor("echo", "p/echo"),
    });
    const faults: HandlerFault[] = [];
    runtime.on("fault", (f) => faults.push(f));
    expect(await (await TestClient.connect(url("throw"))).ask("go")).toBe("armed");
    await waitUntil(() => faults.length === 16, 20_000, "16 faults");
    for (const f of faults) {
      expect(f.error.length).toBeLessThan(8 * 1024);
      expect(f.error).toMatch(/^Error: e+… \(\d+ more characters\)$/);
    }
    const longest = Math.max(...logs.lines.map((l) => JSON.stringify(l).length));
    expect(longest).toBeLessThan(64 * 1024);
    expect(await (await TestClient.connect(url("echo"))).ask("x")).toBe("echo:x");
  });

  it("rate-limits the log lines of one handler module and says how many it dropped", async () => {
    const { url, logs } = await startProject({
      "p/chatty.js": "exports.onMessage = (m) => { for (let i = 0; i < 5000; i++) console.log('line ' + i); return 'said'; };",
      "p/chatty.websocket": descriptor("chatty", "p/chatty"),
    });
    expect(await (await TestClient.connect(url("chatty"))).ask("go")).toBe("said");
    const dropped = await logs.waitFor((l) => /^dropped \d+ log lines and error reports from p\/chatty\.js/.test(l.msg), 5000);
    const written = logs.lines.filter((l) => l.console === "log").length;
    expect(written).toBeLessThanOrEqual(600);
    expect(written + Number(dropped.dropped)).toBe(5000);
  });
});
