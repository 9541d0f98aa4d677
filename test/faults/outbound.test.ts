import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { guardedLookup, isLocalAddress } from "../../src/outbound/self-connection.js";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil } from "../helpers/runtime.js";

/**
 * A script's outgoing connections: none by default, only host[:port] entries
 * of outboundHosts, and on this server itself only its service endpoints.
 * Every target is a loopback address.
 */

/** A plain HTTP service on a free loopback port that counts the requests it gets. */
async function countingHttpServer() {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.end("done\n");
  });
  server.on("upgrade", (req, socket) => {
    requests.push(`${req.method} ${req.url}`);
    socket.end("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\ndone\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return { requests, port: (server.address() as AddressInfo).port };
}

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

// "dial <uri>" opens a client whose events run peer.js; peer.js reports each event to the control sessions.
const FILES = {
  "p/control.js": `
    const ws = require("net/v4/websockets");
    exports.onMessage = (m) => {
      const [cmd, arg] = m.split(" ");
      if (cmd === "dial") { try { return "created " + ws.createWebsocket(arg, "p/peer").id; } catch (e) { return e.name + ": " + e.message; } }
      if (cmd === "loop") {
        let refused = 0;
        // 1000 calls: the most one event may make.
        for (let i = 0; i < 1000; i++) { try { ws.createWebsocket(arg + i, "p/peer"); } catch { refused++; } }
        return "refused " + refused;
      }
      if (cmd === "clients") return String(ws.getClients().length);
    };`,
  "p/control.websocket": descriptor("control", "p/control"),
  "p/peer.js": `
    const ws = require("net/v4/websockets");
    const tell = (text) => ws.broadcast(text, { endpoint: "control" });
    exports.onOpen = () => tell("peer open");
    exports.onMessage = (m) => tell("peer message " + m.slice(0, 60));
    exports.onError = (e) => tell("peer error " + e);
    exports.onClose = () => tell("peer close");`,
  "p/echo.js": "exports.onMessage = (m) => 'echo: ' + m;",
  "p/echo.websocket": descriptor("echo", "p/echo"),
};

describe("outgoing connections (row 17)", () => {
  it("reach no host by default: a local HTTP service gets no request, and the refusal names the flag", async () => {
    const http1 = await countingHttpServer();
    const { url } = await startProject(FILES);
    const control = await TestClient.connect(url("control"));
    const target = `ws://127.0.0.1:${http1.port}/admin/delete-everything?confirm=yes`;
    expect(await control.ask(`dial ${target}`)).toBe(
      `TypeError: createWebsocket: connecting to 127.0.0.1:${http1.port} is not allowed; ` +
        `start the server with --allow-outbound 127.0.0.1:${http1.port} (option outboundHosts)`,
    );
    expect(await control.ask("clients")).toBe("0");
    expect(http1.requests).toEqual([]);
  });

  it("allow an entry's host only at the entry's port", async () => {
    const allowed = await countingHttpServer();
    const other = await countingHttpServer();
    const { url } = await startProject(FILES, { outboundHosts: [`127.0.0.1:${allowed.port}`] });
    const control = await TestClient.connect(url("control"));
    expect(await control.ask(`dial ws://127.0.0.1:${other.port}/admin`)).toMatch(
      new RegExp(`^TypeError: createWebsocket: connecting to 127\\.0\\.0\\.1:${other.port} is not allowed`),
    );
    expect(await control.ask(`dial ws://127.0.0.1:${allowed.port}/feed`)).toBe("created c1");
    await waitUntil(() => allowed.requests.length === 1, 5000, "the allowed request");
    expect(allowed.requests).toEqual(["GET /feed"]);
    expect(other.requests).toEqual([]);
  });

  it("log a loop of 10,000 refusals in a bounded number of lines, each with the URI cut short", async () => {
    const { url, logs } = await startProject(FILES);
    const control = await TestClient.connect(url("control"));
    const longUri = `ws://example.com/${"a".repeat(5000)}`;
    // Ten events of 1000 refused calls each.
    for (let i = 0; i < 10; i++) expect(await control.ask(`loop ${longUri}`)).toBe("refused 1000");
    // Every refusal is either logged or counted in a "were not logged" line; the loop may span several windows.
    const ours = () => logs.lines.filter((l) => l.handler === "p/control.js");
    const refusedLines = () => ours().filter((l) => /^refused an outgoing connection/.test(l.msg));
    const droppedLines = () => ours().filter((l) => /more refused outgoing connections \(p\/control\.js\) were not logged/.test(l.msg));
    await waitUntil(
      () => refusedLines().length + droppedLines().reduce((n, l) => n + Number(l.dropped), 0) === 10000,
      5000,
      "every refusal logged or counted",
    );
    const lines = refusedLines();
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length + droppedLines().length).toBeLessThanOrEqual(30);
    const bytes = [...lines, ...droppedLines()].reduce((n, l) => n + JSON.stringify(l).length, 0);
    expect(bytes).toBeLessThan(30 * 1024);
    expect(String(lines[0]!.uri)).toMatch(/… \(\d+ more characters\)$/);
  });
});

describe("connections to this server itself (row 6)", () => {
  it("cannot open the dashboard, with or without a guessed token, even with outboundHosts '*'", async () => {
    for (const options of [{}, { outboundHosts: ["*"] }]) {
      const { runtime, url } = await startProject(FILES, options);
      const control = await TestClient.connect(url("control"));
      const base = runtime.url.replace(/^http/, "ws");
      for (const target of [
        `${base}/websockets/v4/dashboard`,
        `${base}/websockets/v4/dashboard?token=AAAAAAAAAAAAAAAAAAAAAA`,
        `${base.replace("127.0.0.1", "localhost")}/websockets/v4/dashboard`,
        `${base}/websockets/v4/service/../dashboard`,
      ]) {
        expect(String(await control.ask(`dial ${target}`))).toMatch(
          /^TypeError: createWebsocket: .* reaches this server itself, where scripts may open only service endpoints \(\/websockets\/v4\/service\/<endpoint>\)$/,
        );
      }
      expect(await control.ask("clients")).toBe("0");
      // Nothing opened, so the peer handler never learned anything.
      expect(control.messages.filter((m) => String(m).startsWith("peer"))).toEqual([]);
      await runtime.close(100);
    }
  });

  it("refuses, at connect time, a name that resolves to this server", async () => {
    // net.connect asks `lookup` for names only; the guard sees every address a name resolves to.
    const refuse = guardedLookup((address) => (isLocalAddress(address) ? `refused ${address}` : undefined));
    for (const all of [true, false]) {
      const error = await new Promise<Error | null>((resolve) => refuse("localhost", { all }, (e: Error | null) => resolve(e)));
      expect(error?.message).toMatch(/^refused (127\.0\.0\.1|::1)$/);
    }
  });

  it("reaches its own service endpoints, by address and by localhost", async () => {
    const { runtime, url } = await startProject(FILES);
    const control = await TestClient.connect(url("control"));
    const echo = url("echo");
    for (const target of [echo, echo.replace("127.0.0.1", "localhost")]) {
      const before = control.messages.length;
      expect(await control.ask(`dial ${target}`)).toMatch(/^created c\d+$/);
      await waitUntil(() => control.messages.slice(before).includes("peer open"), 5000, "peer open");
    }
    expect(runtime.clientList().map((c) => c.readyState)).toEqual([1, 1]);
  });
});
