import { describe, expect, it } from "vitest";
import { refusal, TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject } from "../helpers/runtime.js";

describe("endpoints", () => {
  it("refuses an unknown endpoint with 404 and a body that says why", async () => {
    const { url } = await startProject({
      "p/echo.js": "exports.onMessage = (m) => m;",
      "p/echo.websocket": descriptor("echo", "p/echo"),
    });
    const { status, body } = await refusal(url("nope"));
    expect(status).toBe(404);
    expect(body).toContain('No endpoint "nope" is mounted');
    expect(body).toContain("echo");
  });

  it("answers a plain HTTP request to a service URL with 426", async () => {
    const { runtime } = await startProject({ "p/e.js": "", "p/e.websocket": descriptor("e", "p/e") });
    const res = await fetch(`${runtime.url}/websockets/v4/service/e`);
    expect(res.status).toBe(426);
    expect(await res.text()).toContain("WebSocket");
  });

  it("sends back a string returned from onMessage, or from a Promise, and the connection's own sends", async () => {
    const { url } = await startProject({
      "p/h.js": `
        exports.onOpen = (c) => c.send("welcome " + c.endpoint);
        exports.onMessage = (m, c) => {
          if (m === "later") return new Promise((r) => setTimeout(() => r("resolved"), 5));
          if (m === "twice") { c.send("one"); c.send("two"); return; }
          return "echo:" + m;
        };`,
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const c = await TestClient.connect(url("h"));
    await c.received(1);
    expect(c.messages[0]).toBe("welcome h");
    expect(await c.ask("x")).toBe("echo:x");
    expect(await c.ask("later")).toBe("resolved");
    c.send("twice");
    await c.received(5);
    expect(c.messages.slice(3)).toEqual(["one", "two"]);
  });

  it("delivers text frames as strings and binary frames as ArrayBuffers", async () => {
    const { url } = await startProject({
      "p/h.js": `
        exports.onMessage = (m) => {
          if (typeof m === "string") return "text:" + m;
          const bytes = new Uint8Array(m);
          return (m instanceof ArrayBuffer ? "ArrayBuffer:" : "other:") + Array.from(bytes).join(",");
        };`,
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const c = await TestClient.connect(url("h"));
    expect(await c.ask("héllo")).toBe("text:héllo");
    c.send(Buffer.from([0, 1, 255]));
    await c.received(2);
    expect(c.messages[1]).toBe("ArrayBuffer:0,1,255");
  });

  it("sends binary replies as binary frames", async () => {
    const { url } = await startProject({
      "p/h.js": "exports.onMessage = (m) => new Uint8Array([7, 8, 9]);",
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const c = await TestClient.connect(url("h"));
    const reply = await c.ask("x");
    expect(Buffer.isBuffer(reply)).toBe(true);
    expect([...(reply as Buffer)]).toEqual([7, 8, 9]);
  });

  it("serves ES module handlers, including `export default { onMessage }`", async () => {
    const { url } = await startProject({
      "p/named.mjs": `import { getMethod } from "net/v4/websockets";\nexport function onMessage(m) { return getMethod() + ":" + m; }`,
      "p/named.websocket": descriptor("named", "p/named"),
      "p/dflt.js": `import ws from "net/v4/websockets";\nexport default { onMessage: (m) => "default:" + ws.getMessage() };`,
      "p/dflt.websocket": descriptor("dflt", "p/dflt.js"),
    });
    expect(await (await TestClient.connect(url("named"))).ask("a")).toBe("onmessage:a");
    expect(await (await TestClient.connect(url("dflt"))).ask("b")).toBe("default:b");
  });

  it("keeps the connection open when a handler throws, calls onError, and logs the user's file:line", async () => {
    const { url, logs, runtime } = await startProject({
      "p/h.js": [
        "const ws = require('net/v4/websockets');",
        "exports.onMessage = (m) => {",
        "  if (m === 'boom') throw new Error('kaput');",
        "  return 'ok:' + m;",
        "};",
        "exports.onError = (error, c) => c.send('onError saw ' + error + ' / ' + ws.getError() + ' / ' + ws.getMethod());",
      ].join("\n"),
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const faults: string[] = [];
    runtime.on("fault", (f) => faults.push(f.at));
    const c = await TestClient.connect(url("h"));
    expect(await c.ask("boom")).toBe("onError saw Error: kaput / kaput / onerror");
    expect(c.isOpen).toBe(true);
    expect(await c.ask("still")).toBe("ok:still");
    expect(faults).toEqual(["p/h.js:3:27"]);
    const line = await logs.waitFor((l) => l.method === "onMessage");
    expect(line.msg).toBe("p/h.js:3:27: onMessage threw Error: kaput");
  });

  it("passes onClose the close code and reason", async () => {
    const { url, logs } = await startProject({
      "p/h.js": "exports.onClose = (c, info) => console.log('closed', c.id, info.code, info.reason);",
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const c = await TestClient.connect(url("h"));
    c.ws.close(4001, "bye now");
    const line = await logs.waitFor((l) => l.msg.startsWith("closed"));
    expect(line.msg).toMatch(/^closed s\d+ 4001 bye now$/);
  });

  it("lets a handler close its connection with a code and reason", async () => {
    const { url } = await startProject({
      "p/h.js": "exports.onMessage = (m, c) => c.close(4000, 'done: ' + m);",
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const c = await TestClient.connect(url("h"));
    c.send("x");
    expect(await c.closed).toEqual({ code: 4000, reason: "done: x" });
  });
});
