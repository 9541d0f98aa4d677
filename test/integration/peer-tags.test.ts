import { describe, expect, it } from "vitest";
import type { HandlerFault } from "../../src/index.js";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject } from "../helpers/runtime.js";

/**
 * Log lines and faults carry the kind, id and endpoint or URI of the peer
 * whose event ran, even when that peer is already gone (its onClose).
 */
describe("peer tags on log lines and faults", () => {
  it("tags a console line from an outgoing client's onClose with the client and its URI, not as a session", async () => {
    const { url, logs } = await startProject({
      "p/echo.js": "exports.onMessage = (m, c) => { c.close(4001, 'bye'); };",
      "p/echo.websocket": descriptor("echo", "p/echo"),
      "p/dial.js": `const ws = require("net/v4/websockets");
exports.onMessage = (m) => { ws.createWebsocket(m, "p/peer").send("hang up"); };`,
      "p/dial.websocket": descriptor("dial", "p/dial"),
      "p/peer.js": "exports.onClose = (c, info) => { console.log('peer closed', info.code); };",
    });
    const c = await TestClient.connect(url("dial"));
    c.send(url("echo"));
    const line = await logs.waitFor((l) => l.msg === "peer closed 4001");
    expect(line).toMatchObject({ project: "p", handler: "p/peer.js", client: "c1", uri: url("echo") });
    expect(line.session).toBeUndefined();
    expect(line.endpoint).toBeUndefined();
  });

  it("tags a throw in a session's onClose with its endpoint and session", async () => {
    const { url, logs, runtime } = await startProject({
      "p/h.js": "exports.onClose = () => { throw new Error('closing badly'); };",
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const faults: HandlerFault[] = [];
    runtime.on("fault", (f) => faults.push(f));
    const c = await TestClient.connect(url("h"));
    c.close();
    const line = await logs.waitFor((l) => /onClose threw Error: closing badly/.test(l.msg));
    expect(line).toMatchObject({ project: "p", handler: "p/h.js", endpoint: "h", session: "s1", method: "onClose" });
    expect(faults).toMatchObject([{ method: "onClose", peerKind: "session", peerId: "s1", where: "h", endpoint: "h" }]);
  });

  it("finds a client by the handler path with or without its extension, and shows the path as its creator wrote it", async () => {
    const { url } = await startProject(
      {
        "p/echo.js": "exports.onMessage = (m) => 'echo: ' + m;",
        "p/echo.websocket": descriptor("echo", "p/echo"),
        "p/dial.js": `const ws = require("net/v4/websockets");
exports.onMessage = (m) => {
  if (m.startsWith("ws:")) { ws.createWebsocket(m, "p/feed"); return "created"; }
  const found = ws.getClientByHandler(m);
  return found ? found.handler : "null";
};`,
        "p/dial.websocket": descriptor("dial", "p/dial"),
        "p/feed.ts": `import { broadcast } from "net/v4/websockets";
export function onOpen(client: { handler: string; send(m: string): void }) { broadcast("feed sees handler " + client.handler, { endpoint: "dial" }); }`,
      },
    );
    const c = await TestClient.connect(url("dial"));
    expect(await c.ask(url("echo"))).toBe("created");
    await c.received(2);
    expect(c.messages[1]).toBe("feed sees handler p/feed");
    expect(await c.ask("p/feed.ts")).toBe("p/feed");
    expect(await c.ask("p/feed")).toBe("p/feed");
  });
});
