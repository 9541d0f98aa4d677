import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { TestClient } from "../helpers/client.js";
import { descriptor, TempProject } from "../helpers/project.js";
import { createTestRuntime, LogCapture } from "../helpers/runtime.js";

describe("attaching to an existing server", () => {
  it("serves its endpoints beside the app's own routes and WebSocket paths", async () => {
    const project = await TempProject.create({
      "p/h.js": "exports.onMessage = (m) => 'runtime:' + m;",
      "p/h.websocket": descriptor("h", "p/h"),
      "public/hello.txt": "static from the project",
    });
    const app = express();
    app.get("/api/ping", (_req, res) => res.send("pong"));
    const server = createServer(app);
    // The app's own WebSocket server on another path keeps working.
    const own = new WebSocketServer({ noServer: true });
    server.on("upgrade", (req, socket, head) => {
      if (req.url === "/own") own.handleUpgrade(req, socket, head, (ws) => ws.send("own socket"));
    });
    const runtime = createTestRuntime({ projectRoot: project.root, server, logger: new LogCapture().logger });
    app.use(runtime.app);
    await runtime.start();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect(await (await fetch(`http://${base}/api/ping`)).text()).toBe("pong");
      expect(await (await fetch(`http://${base}/hello.txt`)).text()).toBe("static from the project");
      const c = await TestClient.connect(`ws://${base}/websockets/v4/service/h`);
      expect(await c.ask("x")).toBe("runtime:x");
      const mine = await TestClient.connect(`ws://${base}/own`);
      expect((await mine.received(1))[0]).toBe("own socket");
      mine.close();
    } finally {
      await runtime.close();
      await new Promise((r) => server.close(r));
      await project.dispose();
    }
  });
});
