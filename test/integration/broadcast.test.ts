import { describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject } from "../helpers/runtime.js";

describe("broadcast and sessions", () => {
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
