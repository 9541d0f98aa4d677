import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { killAll } from "../helpers/cli-process.js";
import { AerostatNode } from "../helpers/node-process.js";
import { descriptor, TempProject } from "../helpers/project.js";

let project: TempProject;
beforeAll(async () => {
  project = await TempProject.create({
    "app/echo.js": "exports.onMessage = (m) => 'echo: ' + m;\n",
    "app/echo.websocket": descriptor("echo", "app/echo"),
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
    expect(a.banner.endpoints.map((e) => e.endpoint)).toEqual(["echo"]);
    expect(a.banner.endpoints[0]!.url).toBe(a.wsUrl("echo"));
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
});
