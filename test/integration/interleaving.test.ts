import { describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject } from "../helpers/runtime.js";

describe("event context under concurrency", () => {
  it("getMessage/getMethod/isOn* stay correct while 300 connections' events interleave", async () => {
    const { url } = await startProject({
      "p/h.js": `
        const ws = require("net/v4/websockets");
        exports.onOpen = (c) => {
          if (ws.getMethod() !== "onopen" || !ws.isOnOpen() || ws.isOnMessage()) c.send("BAD open context");
        };
        exports.onMessage = (message, c) => {
          const same = ws.getMessage() === message && ws.isOnMessage() && !ws.isOnOpen() && !ws.isOnClose() && !ws.isOnError();
          return (same ? "" : "BAD ") + ws.getMethod() + "|" + c.id + "|" + ws.getMessage();
        };`,
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const connections = 300;
    const perConnection = 5;
    const clients = await Promise.all(Array.from({ length: connections }, () => TestClient.connect(url("h"))));
    // Every client sends all its messages at once, so events from all connections interleave in batches.
    clients.forEach((c, i) => {
      for (let k = 0; k < perConnection; k++) c.send(`conn${i}-msg${k}`);
    });
    await Promise.all(clients.map((c) => c.received(perConnection, 15_000)));
    const ids = new Set<string>();
    clients.forEach((c, i) => {
      const parts = c.messages.map((m) => String(m).split("|"));
      expect(parts.map((p) => p[0])).toEqual(Array(perConnection).fill("onmessage"));
      expect(parts.map((p) => p[2])).toEqual(Array.from({ length: perConnection }, (_, k) => `conn${i}-msg${k}`));
      expect(new Set(parts.map((p) => p[1])).size).toBe(1);
      ids.add(parts[0]![1]!);
    });
    expect(ids.size).toBe(connections);
    for (const c of clients) c.close();
  });
});
