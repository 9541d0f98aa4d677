import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { DashboardSnapshot } from "../../src/dashboard/snapshot.js";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil } from "../helpers/runtime.js";


/**
 * Row 1 (dashboard part): a handler throws 16 errors with huge messages, then
 * someone opens the dashboard. The attack used 40 Mi characters each, so the
 * snapshot passed V8's longest string and JSON.stringify threw out of the
 * host. Here 4 Mi each keeps the test quick: unbounded, the snapshot would be
 * 64 MB; bounded, it is a few tens of KB.
 */
describe("the dashboard under huge error messages", () => {
  it("keeps each field bounded and the snapshot small; the host stays alive", { timeout: 120_000 }, async () => {
    const { runtime, url, logs } = await startProject(
      {
        "p/thrower.js": `exports.onMessage = () => {
          for (let i = 0; i < 16; i++) setTimeout(() => { throw new Error("x".repeat(4 * 1024 * 1024)); }, i);
          return "scheduled";
        };`,
        "p/thrower.websocket": descriptor("thrower", "p/thrower"),
        "p/echo.js": "exports.onMessage = (m) => m;",
        "p/echo.websocket": descriptor("echo", "p/echo"),
      },
      { memoryLimitMb: 512 },
    );
    const c = await TestClient.connect(url("thrower"));
    expect(await c.ask("go")).toBe("scheduled");
    await waitUntil(
      () => logs.lines.filter((l) => l.handler === "p/thrower.js" && l.level >= 50).length >= 16,
      90_000,
      "16 errors logged",
    );

    const socketUrl = runtime.dashboardUrl!.replace(/^http/, "ws").replace("/websockets/v4/?", "/websockets/v4/dashboard?");
    const ws = new WebSocket(socketUrl);
    const first = await new Promise<string>((resolve, reject) => {
      ws.once("message", (data) => resolve(data.toString()));
      ws.once("error", reject);
    });
    ws.close();
    expect(first.length).toBeLessThan(256 * 1024);
    const snapshot = JSON.parse(first) as DashboardSnapshot;
    expect(snapshot.errors.length).toBeGreaterThanOrEqual(16);
    for (const e of snapshot.errors) {
      expect(e.message.length).toBeLessThan(2048 + 64);
      expect(e.at.length).toBeLessThan(256 + 64);
    }
    expect(snapshot.errors[0]!.message).toMatch(/^\S+ threw Error: x+… \(\d+ more characters\)$/);
    // Still serving.
    expect(await (await TestClient.connect(url("echo"))).ask("alive")).toBe("alive");
  });
});
