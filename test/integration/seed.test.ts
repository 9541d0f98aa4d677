import { describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject } from "../helpers/runtime.js";

// The handler and descriptor from the net/v4/websockets reference, verbatim in behaviour.
const SEED_HANDLER = `
exports.onOpen = function()  {
  console.log("Connection openned.");
}
exports.onMessage = function(message) {
  console.log("Message received: " + message);
}
exports.onError = function(error) {
  console.error("Error: " + error);
}
exports.onClose = function() {
  console.warn("Connection closed.");
}
`;

describe("the reference example", () => {
  it("server: a browser-style client on my-endpoint drives the seed handler's four events", async () => {
    const { url, logs } = await startProject({
      "my-project/ws-handler.js": SEED_HANDLER,
      "my-project/my-endpoint.websocket": descriptor("my-endpoint", "my-project/ws-handler"),
    });
    const client = await TestClient.connect(url("my-endpoint"));
    client.send("hello");
    const received = await logs.waitFor((l) => l.msg === "Message received: hello");
    expect(received.handler).toBe("my-project/ws-handler.js");
    expect(logs.messages()).toContain("Connection openned.");
    client.close();
    const closed = await logs.waitFor((l) => l.msg === "Connection closed.");
    expect(closed.level).toBe(40); // console.warn → warn
  });

  it("client: createWebsocket sends hello, and getClientByHandler(handler).close() closes it", async () => {
    const peer = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    await new Promise((r) => peer.once("listening", r));
    const port = (peer.address() as { port: number }).port;
    const got: string[] = [];
    const peerClosed = new Promise<number>((resolve) =>
      peer.on("connection", (ws) => {
        ws.on("message", (m) => got.push(m.toString()));
        ws.on("close", (code) => resolve(code));
      }),
    );
    try {
      const { url, logs } = await startProject({
        "my-project/ws-handler.js": SEED_HANDLER,
        "my-project/client.js": `
          var websockets = require("net/v4/websockets");
          var uri = "ws://127.0.0.1:${port}/";
          var handler = "my-project/ws-handler";
          exports.onMessage = function (message) {
            if (message !== "start") return;
            var websocket = websockets.createWebsocket(uri, handler);
            websocket.send("hello");
            websockets.getClientByHandler(handler).close();
            return "created " + websocket.id;
          };`,
        "my-project/client.websocket": descriptor("client", "my-project/client"),
      }, { outboundHosts: [`127.0.0.1:${port}`] });
      const client = await TestClient.connect(url("client"));
      expect(await client.ask("start")).toMatch(/^created c\d+$/);
      expect(await peerClosed).toBe(1000);
      expect(got).toEqual(["hello"]);
      // The outgoing client's events ran the seed handler.
      await logs.waitFor((l) => l.msg === "Connection closed." && l.handler === "my-project/ws-handler.js");
      expect(logs.messages()).toContain("Connection openned.");
    } finally {
      peer.close();
    }
  });
});
