import { describe, expect, it } from "vitest";
import { refusal, TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { nextReload, startProject, waitUntil } from "../helpers/runtime.js";

const echo = (prefix: string) => `exports.onMessage = (m) => ${JSON.stringify(prefix)} + m;`;

describe("hot reload", () => {
  it("mounts a descriptor added while running, within a second", async () => {
    const { runtime, project, url } = await startProject({ "p/h.js": echo("new:") });
    const mounted = nextReload(runtime, (e) => e.kind === "descriptor" && e.ok);
    const t0 = Date.now();
    await project.write("p/h.websocket", descriptor("fresh", "p/h"));
    await mounted;
    const c = await TestClient.connect(url("fresh"));
    expect(await c.ask("x")).toBe("new:x");
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it("runs the new code on the next event after a handler changes, with the connection kept open", async () => {
    const { runtime, project, url } = await startProject({
      "p/h.js": echo("v1:"),
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const c = await TestClient.connect(url("h"));
    expect(await c.ask("a")).toBe("v1:a");
    const reloaded = nextReload(runtime, (e) => e.kind === "handler" && e.ok);
    await project.write("p/h.js", echo("v2:"));
    await reloaded;
    expect(await c.ask("b")).toBe("v2:b");
    expect(c.isOpen).toBe(true);
  });

  it("keeps the last good handler serving through a syntax error, and reports file:line", async () => {
    const { runtime, project, url, logs } = await startProject({
      "p/h.js": echo("good:"),
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const c = await TestClient.connect(url("h"));
    const failed = nextReload(runtime, (e) => e.kind === "handler" && !e.ok);
    await project.write("p/h.js", "exports.onMessage = (m) => {\n  return 'broken' +;\n};\n");
    const event = await failed;
    expect(event.error?.toString()).toMatch(/^p\/h\.js:2:\d+: has a syntax error: Unexpected token ';'/);
    expect(logs.messages().some((m) => m.startsWith("p/h.js:2:"))).toBe(true);
    expect(await c.ask("still")).toBe("good:still");
    // And a fix is picked up again.
    const fixed = nextReload(runtime, (e) => e.kind === "handler" && e.ok);
    await project.write("p/h.js", echo("fixed:"));
    await fixed;
    expect(await c.ask("x")).toBe("fixed:x");
  });

  it("reports a top-level throw with its line and keeps the last good version", async () => {
    const { runtime, project, url } = await startProject({
      "p/h.js": echo("good:"),
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const failed = nextReload(runtime, (e) => e.kind === "handler" && !e.ok);
    await project.write("p/h.js", "// first\nthrow new TypeError('not today');\n");
    expect((await failed).error?.toString()).toMatch(/^p\/h\.js:2:7: top-level code threw TypeError: not today/);
    expect(await (await TestClient.connect(url("h"))).ask("x")).toBe("good:x");
  });

  it("keeps the last good descriptor when one turns into bad JSON, and names the line", async () => {
    const { runtime, project, url } = await startProject({
      "p/h.js": echo("ok:"),
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const failed = nextReload(runtime, (e) => e.kind === "descriptor" && !e.ok);
    await project.write("p/h.websocket", '{\n  "handler": "p/h",\n  "endpoint": "h",,\n}');
    const event = await failed;
    expect(event.error?.code).toBe("AEROSTAT_DESCRIPTOR_JSON");
    expect(event.error?.toString()).toMatch(/^p\/h\.websocket:3:\d+: not valid JSON/);
    expect(await (await TestClient.connect(url("h"))).ask("x")).toBe("ok:x");
  });

  it("unmounts a removed descriptor and closes its sessions with 1001", async () => {
    const { runtime, project, url } = await startProject({
      "p/h.js": echo("ok:"),
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const c = await TestClient.connect(url("h"));
    await project.remove("p/h.websocket");
    expect((await c.closed).code).toBe(1001);
    await waitUntil(() => runtime.endpoints().length === 0);
    expect((await refusal(url("h"))).status).toBe(404);
  });

  it("remounts an endpoint whose descriptor now names another handler; old sessions get 1012", async () => {
    const { project, url } = await startProject({
      "p/a.js": echo("a:"),
      "p/b.js": echo("b:"),
      "p/h.websocket": descriptor("h", "p/a"),
    });
    const c = await TestClient.connect(url("h"));
    await project.write("p/h.websocket", descriptor("h", "p/b"));
    expect((await c.closed).code).toBe(1012);
    expect(await (await TestClient.connect(url("h"))).ask("x")).toBe("b:x");
  });

  it("coalesces a burst of file events into one reload", async () => {
    const { runtime, project, url } = await startProject(
      { "p/h.js": echo("v0:"), "p/h.websocket": descriptor("h", "p/h") },
      { reloadDebounceMs: 150 },
    );
    let reloads = 0;
    runtime.on("reload", (e) => e.kind === "handler" && reloads++);
    const last = nextReload(runtime, (e) => e.kind === "handler" && e.ok);
    for (let i = 1; i <= 10; i++) await project.write("p/h.js", echo(`v${i}:`));
    await last;
    expect(await (await TestClient.connect(url("h"))).ask("x")).toBe("v10:x");
    // One more change, well after the burst: a reload the burst still caused would come before its own.
    const marker = nextReload(runtime, (e) => e.kind === "handler" && e.ok);
    await project.write("p/h.js", echo("marker:"));
    await marker;
    expect(await (await TestClient.connect(url("h"))).ask("x")).toBe("marker:x");
    expect(reloads).toBe(2);
  });

  it("serves an endpoint once its missing handler file appears", async () => {
    const { runtime, project, url } = await startProject({ "p/h.websocket": descriptor("h", "p/later") });
    const refused = await refusal(url("h"));
    expect(refused.status).toBe(503);
    expect(refused.body).toContain('handler "p/later" was not found');
    const loaded = nextReload(runtime, (e) => e.kind === "handler" && e.ok);
    await project.write("p/later.js", echo("late:"));
    await loaded;
    expect(await (await TestClient.connect(url("h"))).ask("x")).toBe("late:x");
  });

  it("serves a contested endpoint from the first descriptor by path and names both files", async () => {
    const { runtime, url, logs } = await startProject({
      "a/h.js": echo("a:"),
      "b/h.js": echo("b:"),
      "b/claim.websocket": descriptor("same", "b/h"),
      "a/claim.websocket": descriptor("same", "a/h"),
    });
    expect(await (await TestClient.connect(url("same"))).ask("x")).toBe("a:x");
    expect(runtime.endpoints().map((e) => e.descriptor)).toEqual(["a/claim.websocket"]);
    const conflict = await logs.waitFor((l) => l.code === "AEROSTAT_ENDPOINT_CONFLICT");
    expect(conflict.msg).toContain("b/claim.websocket");
    expect(conflict.msg).toContain("a/claim.websocket");
    expect(conflict.field).toBe("endpoint");
  });
});
