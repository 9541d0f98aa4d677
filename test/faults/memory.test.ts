import { describe, expect, it } from "vitest";
import { refusal, TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { nextReload, startProject, waitUntil } from "../helpers/runtime.js";

const BOMB = `
  exports.onMessage = (m) => {
    if (m === "bomb") { const hoard = []; for (;;) hoard.push(new Array(100000).fill(m)); }
    return "bomb-module:" + m;
  };
  exports.onError = (error, c) => c && c.send("onError: " + error);`;

const files = () => ({
  "a/bomb.js": BOMB,
  "a/bomb.websocket": descriptor("bomb", "a/bomb"),
  "a/calm.js": "let n = 0; exports.onMessage = (m) => 'calm:' + m + ':' + (++n);",
  "a/calm.websocket": descriptor("calm", "a/calm"),
  "b/other.js": "exports.onMessage = (m) => 'other:' + m;",
  "b/other.websocket": descriptor("other", "b/other"),
});

describe("a memory bomb", () => {
  it("kills only its project's isolate; the project restarts and its sessions carry on", async () => {
    const { url, logs } = await startProject(files(), { memoryLimitMb: 32, cpuLimitMs: 10_000 });
    const bomber = await TestClient.connect(url("bomb"));
    const calm = await TestClient.connect(url("calm"));
    const other = await TestClient.connect(url("other"));
    expect(await calm.ask("before")).toBe("calm:before:1");

    bomber.send("bomb");
    // The connection whose message was lost is told so by its handler's onError, in the fresh isolate.
    expect(String((await bomber.received(1, 15_000))[0])).toMatch(
      /^onError: Error: the sandbox was restarted \(.*memory limit.*\); this onMessage event was lost$/,
    );
    expect(bomber.isOpen).toBe(true);
    expect(await bomber.ask("after")).toBe("bomb-module:after");
    // Its sibling module in the same project was restarted too: fresh state, same session.
    expect(await calm.ask("after")).toBe("calm:after:1");
    expect(calm.isOpen).toBe(true);
    // The other project never noticed.
    expect(await other.ask("x")).toBe("other:x");
    await logs.waitFor((l) => /crashed; restarting its handlers/.test(l.msg) && l.project === "a");
  });

  it("disables a project that keeps crashing: 503 for new sessions, 1011 for open ones, back after a fix", async () => {
    const { url, logs, runtime, project } = await startProject(files(), {
      memoryLimitMb: 32,
      cpuLimitMs: 10_000,
      maxCrashesPerMinute: 2,
    });
    const calm = await TestClient.connect(url("calm"));
    for (let i = 0; i < 2; i++) {
      const bomber = await TestClient.connect(url("bomb"));
      bomber.send("bomb");
      await Promise.race([bomber.received(1, 15_000), bomber.closed]);
      await waitUntil(() => runtime.handlerStats().every((h) => h.ready || h.error), 15_000);
    }
    expect((await calm.closed).code).toBe(1011);
    await logs.waitFor((l) => /^closed [1-9]\d* sessions? of project folder "a": 1011 handler disabled after repeated crashes$/.test(l.msg));
    const refused = await refusal(url("calm"));
    expect(refused.status).toBe(503);
    expect(refused.body).toMatch(/disabled: the sandbox of project folder "a" crashed 2 times within a minute/);
    await logs.waitFor((l) => l.code === "AEROSTAT_HANDLER_CRASHED");
    expect(await (await TestClient.connect(url("other"))).ask("x")).toBe("other:x");

    const fixed = nextReload(runtime, (e) => e.kind === "handler" && e.ok && e.file === "a/bomb.js");
    await project.write("a/bomb.js", "exports.onMessage = (m) => 'defused:' + m;");
    await fixed;
    await waitUntil(() => runtime.handlerStats().every((h) => h.ready), 10_000);
    expect(await (await TestClient.connect(url("bomb"))).ask("x")).toBe("defused:x");
    expect(await (await TestClient.connect(url("calm"))).ask("x")).toBe("calm:x:1");
    for (const endpoint of ["bomb", "calm"]) await logs.waitFor((l) => l.msg.startsWith(`endpoint ${endpoint} recovered: handler a/`));
  });
});
