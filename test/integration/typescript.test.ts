import { describe, expect, it } from "vitest";
import type { HandlerFault } from "../../src/index.js";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { nextReload, startProject, waitUntil } from "../helpers/runtime.js";

// Type-only lines vanish in transpiling, so every later line of the generated
// JavaScript sits higher than in the .ts file: a test of the source maps.
const TYPED_ESM = `import { broadcast, type Connection } from "net/v4/websockets";

interface Greeting {
  readonly text: string;
  readonly times: number;
}
type Shout = (g: Greeting) => string;

const shout: Shout = (g) => g.text.toUpperCase().repeat(g.times);

export function onMessage(message: string, connection: Connection): string {
  if (message === "boom") {
    throw new RangeError("no boom here");
  }
  if (message === "all") broadcast("to all", { endpoint: connection.endpoint });
  return shout({ text: message, times: 2 });
}
`;

describe("TypeScript handlers", () => {
  it("serves an ES-module .ts handler found without an extension in the descriptor", async () => {
    const { url } = await startProject({ "p/h.ts": TYPED_ESM, "p/h.websocket": descriptor("h", "p/h") });
    const c = await TestClient.connect(url("h"));
    expect(await c.ask("ab")).toBe("ABAB");
  });

  it("serves CommonJS-style .ts and .cts handlers", async () => {
    const cjs = `const ws = require("net/v4/websockets");\nexports.onMessage = (m: string): string => ws.getMethod() + ":" + m;\n`;
    const { url } = await startProject({
      "p/a.ts": cjs,
      "p/a.websocket": descriptor("a", "p/a.ts"),
      "p/b.cts": cjs,
      "p/b.websocket": descriptor("b", "p/b.cts"),
    });
    const a = await TestClient.connect(url("a"));
    const b = await TestClient.connect(url("b"));
    expect(await a.ask("x")).toBe("onmessage:x");
    expect(await b.ask("y")).toBe("onmessage:y");
  });

  it("compiles .cts to CommonJS as tsc does, so export and import = require work there", async () => {
    const { url } = await startProject({
      "p/h.cts": `import ws = require("net/v4/websockets");\n\nexport function onMessage(m: string): string {\n  return ws.getMethod() + ":" + m;\n}\n`,
      "p/h.websocket": descriptor("h", "p/h.cts"),
      "p/e.mts": `export const onMessage = (m: string): string => "mts:" + m;\n`,
      "p/e.websocket": descriptor("e", "p/e.mts"),
    });
    const h = await TestClient.connect(url("h"));
    expect(await h.ask("x")).toBe("onmessage:x");
    const e = await TestClient.connect(url("e"));
    expect(await e.ask("y")).toBe("mts:y");
  });

  it("reports a throw in a handler at the .ts line and column, in the fault and the log", async () => {
    const { runtime, url, logs } = await startProject({ "p/h.ts": TYPED_ESM, "p/h.websocket": descriptor("h", "p/h") });
    const faults: HandlerFault[] = [];
    runtime.on("fault", (f) => faults.push(f));
    const c = await TestClient.connect(url("h"));
    c.send("boom");
    const fault = await waitUntil(() => faults[0], 5000, "fault");
    expect(fault.at).toBe("p/h.ts:13:11");
    expect(fault.error).toBe("RangeError: no boom here");
    expect(fault.endpoint).toBe("h");
    const line = await logs.waitFor((l) => l.msg.includes("threw RangeError"));
    expect(line).toMatchObject({ project: "p", handler: "p/h.ts", endpoint: "h", session: fault.peerId, at: "p/h.ts:13:11" });
    expect(c.isOpen).toBe(true);
  });

  it("rewrites .ts positions in stacks a handler logs", async () => {
    const { url, logs } = await startProject({
      "p/h.ts": `type N = number;\ntype S = string;\nexport function onMessage(m: string): void {\n  console.error(new Error("logged " + m));\n}\n`,
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const c = await TestClient.connect(url("h"));
    c.send("x");
    const line = await logs.waitFor((l) => l.msg.includes("logged x"));
    expect(line.msg).toContain("p/h.ts:4:17");
  });

  it("names the .ts line of a syntax error and keeps the last good version serving", async () => {
    const { runtime, project, url } = await startProject({ "p/h.ts": TYPED_ESM, "p/h.websocket": descriptor("h", "p/h") });
    const c = await TestClient.connect(url("h"));
    expect(await c.ask("a")).toBe("AA");
    const failed = nextReload(runtime, (e) => e.kind === "handler" && !e.ok);
    await project.write("p/h.ts", "interface A { x: number }\nexport function onMessage(m: string): string {\n  return m +;\n}\n");
    const event = await failed;
    expect(event.error?.code).toBe("AEROSTAT_HANDLER_LOAD");
    expect(event.error?.toString()).toMatch(/^p\/h\.ts:3:\d+: has a syntax error: Unexpected ";"/);
    expect(await c.ask("b")).toBe("BB");
  });

  it("names the .ts line of a top-level throw", async () => {
    const { runtime, project } = await startProject({ "p/h.ts": TYPED_ESM, "p/h.websocket": descriptor("h", "p/h") });
    await waitUntil(() => runtime.handlerStats().find((s) => s.ready));
    const failed = nextReload(runtime, (e) => e.kind === "handler" && !e.ok);
    await project.write("p/h.ts", "type A = { a: number };\ntype B = A[];\n\nconst limit: number = 3;\nif (limit > 2) throw new TypeError('too high');\n");
    expect((await failed).error?.toString()).toMatch(/^p\/h\.ts:5:22: top-level code threw TypeError: too high/);
  });

  it("names the .ts line of a top-level CPU-limit stop and of one in onMessage", async () => {
    const { runtime, url, logs } = await startProject(
      {
        "p/top.ts": "type A = number;\ntype B = string;\n\nlet n: A = 0;\nwhile (n >= 0) n++;\n",
        "p/top.websocket": descriptor("top", "p/top"),
        "p/h.ts": "type A = number;\ntype B = string;\n\nexport function onMessage(m: string): string {\n  for (;;) {}\n}\n",
        "p/h.websocket": descriptor("h", "p/h"),
      },
      { cpuLimitMs: 200 },
    );
    const error = await waitUntil(() => runtime.handlerStats().find((s) => s.handler === "p/top.ts")?.error);
    expect(error).toMatch(/^p\/top\.ts:5:\d+: top-level code ran past the CPU limit\. Fix the module and save it again\.$/);
    (await TestClient.connect(url("h"))).send("x");
    const line = await logs.waitFor((l) => l.msg.includes("onMessage ran past the CPU limit"));
    expect(line.at).toMatch(/^p\/h\.ts:5:\d+$/);
  });

  it("reloads a .ts handler on change, with the connection kept open", async () => {
    const { runtime, project, url } = await startProject({ "p/h.ts": TYPED_ESM, "p/h.websocket": descriptor("h", "p/h") });
    const c = await TestClient.connect(url("h"));
    expect(await c.ask("a")).toBe("AA");
    const reloaded = nextReload(runtime, (e) => e.kind === "handler" && e.ok);
    await project.write("p/h.ts", `export const onMessage = (m: string): string => "v2:" + m;\n`);
    expect((await reloaded).file).toBe("p/h.ts");
    expect(await c.ask("b")).toBe("v2:b");
    expect(c.isOpen).toBe(true);
  });
});

describe("handler log lines", () => {
  it("carry project, handler, endpoint and session id", async () => {
    const { url, logs } = await startProject({
      "p/h.js": `exports.onOpen = (c) => console.info("hello from", c.id);\nexports.onMessage = (m) => { console.warn("got", m); };\nsetTimeout(() => console.log("timer"), 0);\n`,
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const timer = await logs.waitFor((l) => l.msg === "timer");
    expect(timer).toMatchObject({ project: "p", handler: "p/h.js", console: "log" });
    expect(timer.session).toBeUndefined();
    const c = await TestClient.connect(url("h"));
    const hello = await logs.waitFor((l) => l.msg.startsWith("hello from"));
    const id = hello.msg.split(" ").pop();
    expect(hello).toMatchObject({ project: "p", handler: "p/h.js", endpoint: "h", session: id, console: "info" });
    c.send("m1");
    expect(await logs.waitFor((l) => l.msg === "got m1")).toMatchObject({ endpoint: "h", session: id, level: 40 });
  });

  it("from an outgoing client's events carry the client id and its URI", async () => {
    const { url, logs } = await startProject({
      "p/echo.js": "exports.onMessage = (m) => 'echo: ' + m;",
      "p/echo.websocket": descriptor("echo", "p/echo"),
      "p/dial.js": `const ws = require("net/v4/websockets");
exports.onMessage = (m) => { ws.createWebsocket(m, "p/peer").send("ping"); };`,
      "p/dial.websocket": descriptor("dial", "p/dial"),
      "p/peer.js": "exports.onMessage = (m) => { console.log('peer got', m); };",
    });
    const c = await TestClient.connect(url("dial"));
    c.send(url("echo"));
    const line = await logs.waitFor((l) => l.msg === "peer got echo: ping");
    expect(line).toMatchObject({ project: "p", handler: "p/peer.js", client: "c1", uri: url("echo") });
    expect(line.session).toBeUndefined();
  });
});
