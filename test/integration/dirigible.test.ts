import { describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { nextReload, startProject, waitUntil } from "../helpers/runtime.js";

// Eclipse Dirigible's module names: "net/websockets" (its documented alias of
// net/v4/websockets) and "sdk/net" (the ES module form of its current docs).
describe("Dirigible compatibility", () => {
  it("serves handlers that require net/websockets, import sdk/net, or mix them with net/v4/websockets", async () => {
    const { url } = await startProject({
      "p/alias.js": `const websockets = require("net/websockets");
        exports.onMessage = (m, c) => [m, websockets.getSessions().length, typeof websockets.broadcast].join(",");`,
      "p/alias.websocket": descriptor("alias", "p/alias"),
      "p/sdk.mjs": `import { websockets } from "sdk/net";
        export function onMessage(m) { return "sdk:" + m + ":" + websockets.getSessions().length; }`,
      "p/sdk.websocket": descriptor("sdk", "p/sdk"),
      "p/typed.ts": `import { websockets } from "sdk/net";
        import type { Connection } from "net/websockets";
        export function onMessage(m: string, c: Connection): string { return "ts:" + m + ":" + c.id + ":" + websockets.getSessions().length; }`,
      "p/typed.websocket": descriptor("typed", "p/typed"),
      "p/same.js": `exports.onMessage = () => String(require("net/websockets") === require("net/v4/websockets") && require("sdk/net").websockets === require("net/v4/websockets"));`,
      "p/same.websocket": descriptor("same", "p/same"),
    });
    expect(await (await TestClient.connect(url("alias"))).ask("hi")).toBe("hi,1,function");
    expect(await (await TestClient.connect(url("sdk"))).ask("hi")).toBe("sdk:hi:2");
    const typed = await TestClient.connect(url("typed"));
    expect(String(await typed.ask("hi"))).toMatch(/^ts:hi:s\d+:3$/);
    expect(await (await TestClient.connect(url("same"))).ask("?")).toBe("true");
  });

  it("names every module a script may require when it asks for another", async () => {
    const { url } = await startProject({
      "p/h.js": `exports.onMessage = () => { try { require("net/v3/websockets"); return "loaded"; } catch (e) { return e.message; } };`,
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const reply = String(await (await TestClient.connect(url("h"))).ask("x"));
    expect(reply).toContain('Cannot require "net/v3/websockets"');
    expect(reply).toContain("net/v4/websockets, net/websockets, sdk/net");
  });

  it("mounts a descriptor as Dirigible writes it, and says once how its engine is served", async () => {
    const { url, logs, project, runtime } = await startProject({
      "p/h.js": 'exports.onMessage = (m) => "dirigible:" + m;',
      "p/h.websocket": JSON.stringify({
        handler: "/p/h.js",
        endpoint: "legacy",
        engine: "graalium",
        description: "written by Dirigible",
        location: "/p/h.websocket",
        createdBy: "admin",
        createdAt: 1700000000000,
      }),
    });
    expect(await (await TestClient.connect(url("legacy"))).ask("hi")).toBe("dirigible:hi");
    const engineLines = () => logs.lines.filter((l) => l.engine === "graalium");
    expect(engineLines().map((l) => l.msg)).toEqual([
      `p/h.websocket: engine "graalium" is served by aerostat's one JavaScript engine, as Dirigible ignores this field`,
    ]);
    // Saved again unchanged: not said again.
    const reloaded = nextReload(runtime, (e) => e.kind === "descriptor" && e.ok);
    await project.write("p/h.websocket", JSON.stringify({ handler: "/p/h.js", endpoint: "legacy", engine: "graalium", description: "again" }));
    await reloaded;
    expect(engineLines()).toHaveLength(1);
  });

  it("gives Dirigible's values: null outside an event, errors without their class name, ids in text", async () => {
    const { url } = await startProject({
      "p/h.js": `const ws = require("net/websockets");
        let later = "not yet";
        exports.onOpen = (c) => { c.send("open: " + ws.getMessage() + " " + ws.getError()); };
        exports.onMessage = (m, from) => {
          if (m === "throw") throw new TypeError("bad input");
          if (m === "plain") throw new Error("plain problem");
          if (m === "later") return later;
          setTimeout(() => { later = [ws.getMethod(), ws.getMessage(), ws.getError()].map(String).join(" "); }, 0);
          return "from: " + from + ", message: " + ws.getMessage() + ", error: " + ws.getError();
        };
        exports.onError = (error, c) => c.send("onError(" + error + ") getError(" + ws.getError() + ")");`,
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const c = await TestClient.connect(url("h"));
    await c.received(1);
    expect(c.messages[0]).toBe("open: null null");
    expect(String(await c.ask("hi"))).toMatch(/^from: s\d+, message: hi, error: null$/);
    await waitUntil(async () => (await c.ask("later")) !== "not yet" || undefined);
    expect(await c.ask("later")).toBe("null null null");
    expect(await c.ask("throw")).toBe("onError(TypeError: bad input) getError(bad input)");
    expect(await c.ask("plain")).toBe("onError(Error: plain problem) getError(plain problem)");
  });

  it("gives outgoing clients Dirigible's engine (any of its JavaScript engine names) and session, in getClients() too", async () => {
    const { url } = await startProject({
      "p/target.js": "exports.onMessage = (m) => m;",
      "p/target.websocket": descriptor("target", "p/target"),
      "p/feed.js": "exports.onMessage = () => {};",
      "p/maker.js": `const ws = require("net/v4/websockets");
        exports.onMessage = (uri) => {
          const client = ws.createWebsocket(uri, "/p/feed");
          const info = ws.getClients().find((i) => i.id === client.id);
          return JSON.stringify({
            engine: client.engine,
            session: client.session.getId() === client.id,
            found: ws.getClient(client.session.getId()) === client,
            text: "client " + client === "client " + client.id,
            listed: info.engine + " " + (info.session.getId() === client.id),
            graalium: ws.createWebsocket(uri, "p/feed", "graalium").engine,
          });
        };`,
      "p/maker.websocket": descriptor("maker", "p/maker"),
    });
    const reply = JSON.parse(String(await (await TestClient.connect(url("maker"))).ask(url("target"))));
    expect(reply).toEqual({ engine: "javascript", session: true, found: true, text: true, listed: "javascript true", graalium: "graalium" });
  });

  it("runs a module that exports no hooks the Dirigible way: its top level once per event, in that event's context", async () => {
    const { url, logs } = await startProject({
      "p/legacy.js": `var websockets = require("net/websockets");
        var runs = (typeof runs === "number" ? runs : 0) + 1;
        if (websockets.isOnOpen()) console.log("legacy opened");
        if (websockets.isOnMessage()) websockets.broadcast(websockets.getMethod() + ":" + websockets.getMessage() + ":" + runs);
        if (websockets.getMethod() === null) console.log("legacy loaded");`,
      "p/legacy.websocket": descriptor("legacy", "p/legacy"),
      "p/hooks.js": `var count = 0;
        exports.onMessage = (m) => m + ":" + ++count;`,
      "p/hooks.websocket": descriptor("hooks", "p/hooks"),
    });
    const c = await TestClient.connect(url("legacy"));
    await logs.waitFor((l) => l.msg === "legacy opened");
    c.send("a");
    c.send("b");
    await c.received(2);
    expect(c.messages).toEqual(["onmessage:a:1", "onmessage:b:1"]);
    expect(logs.messages().filter((m) => m === "legacy loaded")).toHaveLength(1);
    // A module with hooks keeps its state: its top level ran once.
    const h = await TestClient.connect(url("hooks"));
    expect(await h.ask("x")).toBe("x:1");
    expect(await h.ask("y")).toBe("y:2");
  });
});
