import { describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { nextReload, startProject, waitUntil } from "../helpers/runtime.js";

// What a reload keeps: connections and connection.data. What it resets: module globals and timers.
describe("connection.data", () => {
  it("keeps each connection's data through a reload, changed in place or assigned, and onReload rebuilds the module's index", async () => {
    const { url, runtime, project } = await startProject({
      "p/chat.js": `const ws = require("net/v4/websockets");
        const rooms = {};
        exports.onMessage = (m, c) => {
          if (m.startsWith("join ")) {
            c.data = { room: m.slice(5), said: 0 };
            (rooms[c.data.room] ??= []).push(c.id);
            return "joined " + c.data.room;
          }
          c.data.said++;
          return "v1 " + c.data.room + " " + c.data.said + " " + (rooms[c.data.room] || []).length;
        };`,
      "p/chat.websocket": descriptor("chat", "p/chat"),
    });
    const a = await TestClient.connect(url("chat"));
    const b = await TestClient.connect(url("chat"));
    expect(await a.ask("join red")).toBe("joined red");
    expect(await b.ask("join blue")).toBe("joined blue");
    expect(await a.ask("hi")).toBe("v1 red 1 1");
    const reloaded = nextReload(runtime, (e) => e.kind === "handler" && e.ok);
    await project.write(
      "p/chat.js",
      `const ws = require("net/v4/websockets");
        const rooms = {};
        exports.onReload = () => {
          for (const s of ws.getSessions("chat")) if (s.data) (rooms[s.data.room] ??= []).push(s.id);
        };
        exports.onMessage = (m, c) => {
          c.data.said++;
          return "v2 " + c.data.room + " " + c.data.said + " " + (rooms[c.data.room] || []).length + " " + ws.isOnMessage();
        };`,
    );
    await reloaded;
    // The same sockets, their data, and an index rebuilt from getSessions() in onReload.
    expect(await a.ask("again")).toBe("v2 red 2 1 true");
    expect(await b.ask("again")).toBe("v2 blue 1 1 true");
    expect(a.isOpen && b.isOpen).toBe(true);
  });

  it("refuses data over 64 KiB or not JSON where it is set, and keeps the old value", async () => {
    const { url, logs } = await startProject({
      "p/h.js": `exports.onOpen = (c) => { c.data = { ok: 1 }; };
        exports.onMessage = (m, c) => {
          if (m === "big") { try { c.data = "x".repeat(70000); } catch (e) { return e.name + ": " + e.message; } }
          if (m === "fn") { try { c.data = () => 1; } catch (e) { return e.name + ": " + e.message; } }
          if (m === "grow") { c.data.blob = "y".repeat(70000); return "grown"; }
          return JSON.stringify(c.data);
        };`,
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const c = await TestClient.connect(url("h"));
    expect(await c.ask("big")).toBe("RangeError: connection.data may hold 65536 bytes of JSON; this is 70002. Keep less per connection.");
    expect(await c.ask("fn")).toMatch(/^TypeError: connection.data must be a JSON value/);
    expect(await c.ask("show")).toBe('{"ok":1}');
    // Grown in place past the limit: not kept, the handler's log says why, and the last good value stays.
    expect(await c.ask("grow")).toBe("grown");
    await logs.waitFor((l) => /connection\.data of s\d+ was not kept: connection\.data may hold 65536 bytes/.test(l.msg));
    expect(await c.ask("show")).toBe('{"ok":1}');
  });

  it("gives getSessions() each session's data", async () => {
    const { url } = await startProject({
      "p/h.js": `const ws = require("net/v4/websockets");
        exports.onOpen = (c) => { c.data = { n: ws.getSessions().length }; };
        exports.onMessage = (m, c) => JSON.stringify(ws.getSessions().map((s) => s.data));`,
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const one = await TestClient.connect(url("h"));
    await waitUntil(async () => (await one.ask("?")) === '[{"n":1}]');
    const two = await TestClient.connect(url("h"));
    await waitUntil(async () => (await two.ask("?")) === '[{"n":1},{"n":2}]');
  });
});
