import { symlinkSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { refusal, TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { nextReload, startProject } from "../helpers/runtime.js";

describe("bad handler files and descriptors", () => {
  it("reports a top-level infinite loop with file:line and keeps the host serving", async () => {
    const { url, runtime, project, logs } = await startProject(
      { "p/h.js": "exports.onMessage = (m) => 'good:' + m;", "p/h.websocket": descriptor("h", "p/h") },
      { cpuLimitMs: 200 },
    );
    const failed = nextReload(runtime, (e) => e.kind === "handler" && !e.ok);
    await project.write("p/h.js", "// stuck\nwhile (true) {}\n");
    expect((await failed).error?.toString()).toBe(
      "p/h.js:2:1: top-level code ran past the CPU limit. Fix the module; the last good version keeps serving meanwhile.",
    );
    expect(await (await TestClient.connect(url("h"))).ask("x")).toBe("good:x");
    expect(logs.lines.some((l) => l.code === "AEROSTAT_HANDLER_LOAD" && l.file === "p/h.js:2:1")).toBe(true);
  });

  it("reports an ES module's syntax error with its line, and 503s an endpoint with no good version", async () => {
    const { url, logs } = await startProject({
      "p/h.mjs": "export function onMessage(m) {\n  return m +;\n}\n",
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const line = await logs.waitFor((l) => l.code === "AEROSTAT_HANDLER_LOAD");
    expect(line.msg).toMatch(/^p\/h\.mjs:2:\d+: has a syntax error: Unexpected token ';'/);
    const refused = await refusal(url("h"));
    expect(refused.status).toBe(503);
    expect(refused.body).toContain("p/h.mjs:2:");
  });

  it("mounts nothing for a descriptor whose handler leads outside the project through a link", async () => {
    const { project, logs, url } = await startProject({ "p/h.websocket": descriptor("h", "p/escape") });
    // Link p/escape.js to a file outside the project root, then let the watcher see it.
    const outside = await import("node:os").then((os) => os.tmpdir());
    const target = `${outside}/aerostat-outside-${process.pid}.js`;
    await import("node:fs/promises").then((fs) => fs.writeFile(target, "exports.onMessage = () => 'escaped';"));
    symlinkSync(target, project.path("p/escape.js"));
    await project.write("p/h.websocket", descriptor("h", "p/escape", { description: "again" }));
    const problem = await logs.waitFor((l) => l.code === "AEROSTAT_HANDLER_NOT_FOUND" && /outside/.test(l.msg));
    expect(problem.msg).toBe('p/h.websocket: handler "p/escape" leads outside the project root (through a link)');
    expect(problem.field).toBe("handler");
    expect((await refusal(url("h"))).status).toBe(503);
    await import("node:fs/promises").then((fs) => fs.rm(target, { force: true }));
  });
});
