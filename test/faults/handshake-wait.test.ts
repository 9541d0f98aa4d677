import { describe, expect, it } from "vitest";
import { refusal, TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil } from "../helpers/runtime.js";

/** Row 19: handshakes to an endpoint whose first load never finishes are answered, and let go, in bounded time. */
describe("handshakes waiting for a first load", () => {
  it("get 503 once the wait bound passes, long before the load ends, and no socket is left open", { timeout: 30_000 }, async () => {
    const t = await startProject(
      {
        "ok/echo.js": "exports.onMessage = (m) => m;",
        "ok/echo.websocket": descriptor("echo", "ok/echo"),
        // The folder exists from the start, so the watcher sees the files written into it below.
        "slow/notes.txt": "",
      },
      { cpuLimitMs: 8000, handshakeTimeoutMs: 300 },
    );
    // Mounted after start, so its first load (8 s of top-level loop) is running when the handshakes come.
    await t.project.write("slow/loop.js", "for (;;) {}");
    await t.project.write("slow/loop.websocket", descriptor("loop", "slow/loop"));
    await t.logs.waitFor((l) => l.msg === "mounted loop");
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 50 }, () => refusal(t.url("loop"))));
    const elapsed = Date.now() - started;
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(503));
    expect(answers[0]!.body).toBe('Endpoint "loop" is still loading; try again.\n');
    expect(elapsed).toBeLessThan(3000);
    // Every refused socket was destroyed by the server once its answer was written.
    const open = () => new Promise<number>((resolve) => t.runtime.server.getConnections((_e, n) => resolve(n)));
    await waitUntil(async () => (await open()) === 0, 2000, "every refused socket to be destroyed");
    expect(await open()).toBe(0);
    // The loading endpoint slowed nobody else.
    const healthy = await TestClient.connect(t.url("echo"));
    expect(await healthy.ask("still here")).toBe("still here");
  });

  it("are bounded per endpoint by maxSessions; the rest are refused at once", { timeout: 30_000 }, async () => {
    const t = await startProject({ "slow/notes.txt": "" }, { cpuLimitMs: 8000, handshakeTimeoutMs: 2000 });
    await t.project.write("slow/loop.js", "for (;;) {}");
    await t.project.write("slow/loop.websocket", descriptor("loop", "slow/loop", { maxSessions: 5 }));
    await t.logs.waitFor((l) => l.msg === "mounted loop");
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 20 }, () => refusal(t.url("loop")).then((a) => ({ ...a, ms: Date.now() - started }))));
    const atOnce = answers.filter((a) => /handshakes already wait for it/.test(a.body));
    expect(atOnce).toHaveLength(15);
    for (const a of atOnce) expect(a.ms).toBeLessThan(1500);
    expect(answers.filter((a) => /still loading; try again\.$/m.test(a.body))).toHaveLength(5);
    expect(answers.every((a) => a.status === 503)).toBe(true);
  });
});
