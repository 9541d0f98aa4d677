import { describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject } from "../helpers/runtime.js";

describe("broadcast and sessions", () => {
  it("sends bytes as binary frames with exactly the bytes given: ArrayBuffer, a typed array's window, DataView", async () => {
    const { url } = await startProject({
      "p/bin.js": `
        const ws = require("net/v4/websockets");
        const all = new Uint8Array(256).map((_, i) => i);
        exports.onMessage = (m) => {
          if (m === "buffer") ws.broadcast(all.buffer, { endpoint: "bin" });
          if (m === "window") ws.broadcast(new Uint8Array(all.buffer, 250, 5), { endpoint: "bin" });
          if (m === "view") ws.broadcast(new DataView(all.buffer, 1, 2), { endpoint: "bin" });
          if (m === "words") ws.broadcast(new Uint16Array([0x0102, 0xfffe]), { endpoint: "bin" });
          if (m === "empty") ws.broadcast(new ArrayBuffer(0), { endpoint: "bin" });
          if (m === "bad") { try { ws.broadcast({ not: "bytes" }); } catch (e) { return e.name + ": " + e.message; } }
        };`,
      "p/bin.websocket": descriptor("bin", "p/bin"),
    });
    const [a, b] = await Promise.all([1, 2].map(() => TestClient.connect(url("bin"))));
    for (const m of ["buffer", "window", "view", "words", "empty"]) a!.send(m);
    for (const x of [a!, b!]) {
      const got = await x.received(5);
      expect(got.every((f) => Buffer.isBuffer(f))).toBe(true);
      expect([...(got[0] as Buffer)]).toEqual(Array.from({ length: 256 }, (_, i) => i));
      expect([...(got[1] as Buffer)]).toEqual([250, 251, 252, 253, 254]);
      expect([...(got[2] as Buffer)]).toEqual([1, 2]);
      expect([...(got[3] as Buffer)]).toEqual([...Buffer.from(new Uint16Array([0x0102, 0xfffe]).buffer)]);
      expect((got[4] as Buffer).length).toBe(0);
    }
    expect(await a!.ask("bad")).toBe("TypeError: broadcast(message): message must be a string, an ArrayBuffer or a typed array / DataView");
  });

  it("reaches every session of the endpoint except those in `except`", async () => {
    const { url } = await startProject({
      "p/room.js": `
        const ws = require("net/v4/websockets");
        exports.onMessage = (m, c) => {
          if (m.startsWith("skip ")) ws.broadcast("to all but me and " + m.slice(5), { endpoint: "room", except: [c, m.slice(5)] });
          else ws.broadcast("to all: " + m, { endpoint: "room" });
        };
        exports.onOpen = (c) => c.send("id " + c.id);`,
      "p/room.websocket": descriptor("room", "p/room"),
      "p/other.js": "",
      "p/other.websocket": descriptor("other", "p/other"),
    });
    const [a, b, c, d] = await Promise.all([1, 2, 3, 4].map(() => TestClient.connect(url("room"))));
    const outsider = await TestClient.connect(url("other"));
    const ids = await Promise.all([a, b, c, d].map(async (x) => String((await x!.received(1))[0]).slice(3)));
    a!.send(`skip ${ids[1]}`);
    await c!.received(2);
    await d!.received(2);
    expect(c!.messages[1]).toBe(`to all but me and ${ids[1]}`);
    expect(d!.messages[1]).toBe(`to all but me and ${ids[1]}`);
    // A second, unfiltered broadcast is the first thing a and b see after their id,
    // which proves they got nothing from the first one.
    a!.send("hello");
    for (const x of [a, b]) expect((await x!.received(2))[1]).toBe("to all: hello");
    await c!.received(3);
    expect(c!.messages[2]).toBe("to all: hello");
    expect(outsider.messages).toEqual([]);
  });

  it("lists sessions per endpoint and finds one by id", async () => {
    const { url } = await startProject({
      "p/h.js": `
        const ws = require("net/v4/websockets");
        exports.onMessage = (m, c) => {
          if (m === "all") return ws.getSessions().map((s) => s.endpoint).sort().join(",");
          if (m === "mine") return String(ws.getSessions("a").length);
          const s = ws.getSession(m);
          return s ? "session " + s.id + " on " + s.endpoint : "none";
        };`,
      "p/a.websocket": descriptor("a", "p/h"),
      "p/b.websocket": descriptor("b", "p/h"),
    });
    const a1 = await TestClient.connect(url("a"));
    await TestClient.connect(url("a"));
    await TestClient.connect(url("b"));
    expect(await a1.ask("all")).toBe("a,a,b");
    expect(await a1.ask("mine")).toBe("2");
    expect(await a1.ask("s1")).toBe("session s1 on a");
    expect(await a1.ask("s999")).toBe("none");
  });
});
