import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { killAll } from "../helpers/cli-process.js";
import { AerostatNode } from "../helpers/node-process.js";
import { descriptor, TempProject } from "../helpers/project.js";
import { RedisServer } from "../helpers/redis-server.js";

let project: TempProject;
beforeAll(async () => {
  project = await TempProject.create({
    "app/echo.js": "exports.onMessage = (m) => 'echo: ' + m;\n",
    "app/echo.websocket": descriptor("echo", "app/echo"),
    "app/fan.js": `const websockets = require("net/v4/websockets");
exports.onMessage = (m, c) => websockets.broadcast(m, { endpoint: "fan", except: [c] });
`,
    "app/fan.websocket": descriptor("fan", "app/fan"),
  });
});
afterEach(() => killAll());
afterAll(() => project.dispose());

describe("test/helpers/node-process.ts: aerostat nodes as their own processes", () => {
  it("starts two nodes on one project, each with its own port and banner, both serving", async () => {
    const [a, b] = await Promise.all([AerostatNode.start(project.root), AerostatNode.start(project.root)]);
    expect(a.port).toBeGreaterThan(0);
    expect(b.port).not.toBe(a.port);
    expect(a.pid).not.toBe(b.pid);
    expect(a.banner.endpoints.map((e) => e.endpoint).sort()).toEqual(["echo", "fan"]);
    expect(a.banner.endpoints.find((e) => e.endpoint === "echo")!.url).toBe(a.wsUrl("echo"));
    for (const node of [a, b]) {
      const c = await TestClient.connect(node.wsUrl("echo"));
      expect(await c.ask("hi")).toBe("echo: hi");
      c.close();
    }
    expect(a.logLines().some((l) => typeof l.msg === "string" && l.msg.startsWith("serving "))).toBe(true);
  });

  it("kill() ends the process with SIGKILL (sessions drop without a close frame); stop() exits 0 after closing them with 1001", async () => {
    const [a, b] = await Promise.all([AerostatNode.start(project.root), AerostatNode.start(project.root)]);
    const onA = await TestClient.connect(a.wsUrl("echo"));
    const onB = await TestClient.connect(b.wsUrl("echo"));
    await a.kill();
    expect(a.process.child.signalCode).toBe("SIGKILL");
    expect((await onA.closed).code).toBe(1006);
    expect(onB.isOpen).toBe(true);
    expect(await b.stop()).toBe(0);
    expect((await onB.closed).code).toBe(1001);
  });

  it("restart() brings a killed node back on the same port with the same flags", async () => {
    const a = await AerostatNode.start(project.root, { flags: ["--dashboard", "off"] });
    expect(a.banner.dashboard).toBeUndefined();
    await a.kill();
    const again = await a.restart();
    expect(again.port).toBe(a.port);
    expect(again.flags).toEqual(["--dashboard", "off"]);
    const c = await TestClient.connect(again.wsUrl("echo"));
    expect(await c.ask("back")).toBe("echo: back");
    c.close();
  });

  it("a node that exits before serving makes start() reject at once with its output", async () => {
    const started = Date.now();
    await expect(AerostatNode.start(project.root, { flags: ["--no-such-flag"] })).rejects.toThrow(/exited \(1\) before serving:[\s\S]*no-such-flag/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("runs nodes on one Redis with the engine flags: a message sent on node A reaches a session on node B", async () => {
    const redis = await RedisServer.start();
    try {
      const flags = (name: string) => ["--engine", "redis", "--redis-url", redis.url, "--node-name", name];
      const [a, b] = await Promise.all([AerostatNode.start(project.root, { flags: flags("a") }), AerostatNode.start(project.root, { flags: flags("b") })]);
      expect(a.flags).toEqual(flags("a"));
      const onB = await TestClient.connect(b.wsUrl("fan"));
      const onA = await TestClient.connect(a.wsUrl("fan"));
      // Node B subscribes once it serves a session; send until the first message crosses.
      const deadline = Date.now() + 10_000;
      while (onB.messages.length === 0 && Date.now() < deadline) {
        onA.send("from a");
        await onB.received(1, 200).catch(() => undefined);
      }
      expect(onB.messages[0]).toBe("from a");
      await b.kill();
      expect((await onB.closed).code).toBe(1006);
      expect(await a.stop()).toBe(0);
    } finally {
      await redis.stop();
    }
  });
});
