import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil } from "../helpers/runtime.js";

let peer: WebSocketServer;
let peerUrl: string;
/** The peer server's host:port, allowed for outgoing clients (none are by default). */
let peerHostPort: string;
const peerSockets: WebSocket[] = [];

beforeEach(async () => {
  peer = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise((r) => peer.once("listening", r));
  peerHostPort = `127.0.0.1:${(peer.address() as { port: number }).port}`;
  peerUrl = `ws://${peerHostPort}/feed`;
  peer.on("connection", (ws) => {
    peerSockets.push(ws);
    ws.on("message", (m) => ws.send(`peer got ${m}`));
  });
});
afterEach(() => {
  peerSockets.splice(0);
  peer.close();
});

// A control endpoint drives createWebsocket; the outgoing client's events run feed.js,
// which reports them to every session of the control endpoint.
const files = () => ({
  "p/control.js": `
    const ws = require("net/v4/websockets");
    exports.onMessage = (m) => {
      const [cmd, arg] = m.split(" ");
      if (cmd === "create") { const c = ws.createWebsocket(arg, "p/feed"); c.send("queued before open"); return "created " + c.id + " " + c.handler; }
      if (cmd === "list") return JSON.stringify(ws.getClients());
      if (cmd === "get") { const c = ws.getClient(arg); return c ? "found " + c.id + " " + c.uri : "null"; }
      if (cmd === "byHandler") { const c = ws.getClientByHandler(arg); return c ? "found " + c.id : "null"; }
      if (cmd === "close") { ws.getClientByHandler("p/feed").close(); return "closing"; }
      if (cmd === "bad-engine") { try { ws.createWebsocket("${"ws://127.0.0.1:1/"}", "p/feed", "python"); } catch (e) { return e.name + ": " + e.message; } }
      if (cmd === "bad-uri") { try { ws.createWebsocket("http://example.com/", "p/feed"); } catch (e) { return e.name + ": " + e.message; } }
      if (cmd === "bad-handler") { try { ws.createWebsocket("${"ws://127.0.0.1:1/"}", "p/none"); } catch (e) { return e.name + ": " + e.message; } }
    };`,
  "p/control.websocket": descriptor("control", "p/control"),
  "p/feed.js": `
    const ws = require("net/v4/websockets");
    const tell = (text) => ws.broadcast(text, { endpoint: "control" });
    exports.onOpen = (client) => tell("feed open " + client.id + " " + ws.getMethod());
    exports.onMessage = (message, client) => tell("feed message " + message + " via " + client.uri);
    exports.onClose = (client, info) => tell("feed close " + client.id + " " + info.code);
  `,
});

describe("createWebsocket and outgoing clients", () => {
  it("shares a client's data between the module that opened it and the client's own handler", async () => {
    const { url } = await startProject(
      {
        "p/opener.js": `
          const ws = require("net/v4/websockets");
          let client;
          exports.onMessage = (m) => {
            if (m.startsWith("open ")) { client = ws.createWebsocket(m.slice(5), "p/counter"); client.data = { n: 0 }; return "opened"; }
            if (m === "poke") { client.send("poke"); return "poked"; }
            return "n=" + client.data.n;
          };`,
        "p/opener.websocket": descriptor("opener", "p/opener"),
        "p/counter.js": `
          const ws = require("net/v4/websockets");
          exports.onMessage = (m, client) => { client.data.n++; ws.broadcast("counted " + client.data.n, { endpoint: "opener" }); };`,
      },
      { outboundHosts: [peerHostPort] },
    );
    const c = await TestClient.connect(url("opener"));
    expect(await c.ask(`open ${peerUrl}`)).toBe("opened");
    expect(await c.ask("n")).toBe("n=0");
    for (const expected of ["counted 1", "counted 2"]) {
      c.send("poke");
      await waitUntil(() => c.messages.includes(expected));
    }
    // The opener reads what the client's handler wrote, not the value it held before.
    expect(await c.ask("n")).toBe("n=2");
  });

  it("opens a client whose events run the named handler; sends before open are flushed", async () => {
    const { url } = await startProject(files(), { outboundHosts: [peerHostPort, "127.0.0.1:1"] });
    const control = await TestClient.connect(url("control"));
    const created = String(await control.ask(`create ${peerUrl}`));
    expect(created).toMatch(/^created c\d+ p\/feed$/);
    const id = created.split(" ")[1];
    await control.received(3);
    expect(control.messages.slice(1)).toEqual([`feed open ${id} onopen`, `feed message peer got queued before open via ${peerUrl}`]);
  });

  it("lists clients with metadata and finds them by id and handler", async () => {
    const { url } = await startProject(files(), { outboundHosts: [peerHostPort, "127.0.0.1:1"] });
    const control = await TestClient.connect(url("control"));
    const id = String(await control.ask(`create ${peerUrl}`)).split(" ")[1];
    await control.received(3); // open + echoed message
    const list = JSON.parse(String(await control.ask("list")));
    expect(list).toEqual([{ id, uri: peerUrl, handler: "p/feed", engine: "javascript", readyState: 1, data: null, reconnect: false, attempt: 0 }]);
    expect(await control.ask(`get ${id}`)).toBe(`found ${id} ${peerUrl}`);
    expect(await control.ask("get c999")).toBe("null");
    expect(await control.ask("byHandler p/feed")).toBe(`found ${id}`);
    expect(await control.ask("byHandler p/feed.js")).toBe(`found ${id}`);
    expect(await control.ask("byHandler p/other")).toBe("null");
  });

  it("closes a client found with getClientByHandler; the handler gets onClose and the list empties", async () => {
    const { url } = await startProject(files(), { outboundHosts: [peerHostPort, "127.0.0.1:1"] });
    const control = await TestClient.connect(url("control"));
    const id = String(await control.ask(`create ${peerUrl}`)).split(" ")[1];
    await control.received(3);
    await waitUntil(() => peerSockets.length === 1);
    const peerClosed = new Promise((r) => peerSockets[0]!.once("close", r));
    expect(await control.ask("close")).toBe("closing");
    await peerClosed;
    await waitUntil(() => control.messages.includes(`feed close ${id} 1000`));
    expect(await control.ask("list")).toBe("[]");
  });

  it("throws a TypeError naming the argument for a bad engine, URI or handler", async () => {
    const { url } = await startProject(files(), { outboundHosts: [peerHostPort, "127.0.0.1:1"] });
    const control = await TestClient.connect(url("control"));
    expect(await control.ask("bad-engine")).toBe(
      'TypeError: createWebsocket(uri, handler, engine): engine must be a JavaScript engine ("javascript", "graalium", "graaljs", "rhino", "nashorn", "v8"), got "python": aerostat runs JavaScript handlers only',
    );
    expect(await control.ask("bad-uri")).toBe(
      'TypeError: createWebsocket(uri): uri must start with ws:// or wss://, got "http://example.com/"',
    );
    expect(String(await control.ask("bad-handler"))).toMatch(/^TypeError: createWebsocket: handler "p\/none" was not found/);
  });
});
