import { readFile } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Runtime } from "../../src/index.js";
import { backoffDelay, connect, type ReconnectingWebSocket } from "../../web/client.js";
import { descriptor, TempProject } from "../helpers/project.js";
import { createTestRuntime, LogCapture, waitUntil } from "../helpers/runtime.js";

const ECHO = { "p/echo.js": "exports.onMessage = (m) => 'echo: ' + m;", "p/echo.websocket": descriptor("echo", "p/echo") };

const open: (Runtime | ReconnectingWebSocket)[] = [];
afterEach(async () => {
  for (const thing of open.splice(0)) await thing.close();
});

async function serve(project: TempProject, port = 0): Promise<Runtime> {
  const runtime = createTestRuntime({ projectRoot: project.root, port, logger: new LogCapture().logger, watch: false });
  open.push(runtime);
  await runtime.listen();
  return runtime;
}

/** A service URL on a loopback port nobody listens on. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return `ws://127.0.0.1:${port}/websockets/v4/service/nowhere`;
}

/** Everything a client emits, in order, as "type:detail". */
function record(client: ReconnectingWebSocket): string[] {
  const seen: string[] = [];
  client.on("open", (e) => seen.push(`open:${e.reconnected}`));
  client.on("message", (e) => seen.push(`message:${String(e.data)}`));
  client.on("close", (e) => seen.push(`close:${e.willReconnect}`));
  client.on("reconnect", (e) => seen.push(`reconnect:${e.attempt}`));
  client.on("refused", (e) => seen.push(`refused:${e.status}:${e.reason}`));
  return seen;
}

describe("reconnecting client", () => {
  it("is served as a JavaScript module at /websockets/v4/client.js", async () => {
    const project = await TempProject.create(ECHO);
    const runtime = await serve(project);
    const res = await fetch(`${runtime.url}/websockets/v4/client.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const onDisk = await readFile(path.resolve(import.meta.dirname, "../../web/client.js"), "utf8");
    expect(await res.text()).toBe(onDisk);
    await project.dispose();
  });

  it("reconnects after the server goes away and comes back, sending what was queued meanwhile", async () => {
    const project = await TempProject.create(ECHO);
    const first = await serve(project);
    const port = new URL(first.url).port;
    const client = connect(first.serviceUrl("echo"), { minDelayMs: 50, maxDelayMs: 200 });
    open.push(client);
    const seen = record(client);
    client.send("before");
    await waitUntil(() => seen.includes("message:echo: before"), 5000, "first echo");
    expect(seen[0]).toBe("open:false");

    await first.close(200);
    await waitUntil(() => seen.includes("close:true"), 5000, "close");
    client.send("while down 1");
    client.send("while down 2");
    expect(client.queued).toBe(2);
    expect(client.readyState).toBe(0);
    await waitUntil(() => seen.includes("reconnect:2"), 5000, "a failed reconnect attempt");

    await serve(project, Number(port));
    await waitUntil(() => seen.includes("open:true"), 5000, "reopen");
    await waitUntil(() => seen.includes("message:echo: while down 2"), 5000, "queued echoes");
    const echoes = seen.filter((s) => s.startsWith("message:"));
    expect(echoes).toEqual(["message:echo: before", "message:echo: while down 1", "message:echo: while down 2"]);
    expect(client.queued).toBe(0);
    expect(client.attempts).toBe(0);
    await project.dispose();
  });

  it("stops for good on close(), and refuses sends past maxQueued with a RangeError", async () => {
    const project = await TempProject.create(ECHO);
    const runtime = await serve(project);
    const client = connect(runtime.serviceUrl("echo"), { maxQueued: 2 });
    open.push(client);
    const seen = record(client);
    client.send("a");
    client.send("b");
    expect(() => client.send("c")).toThrow(RangeError);
    await waitUntil(() => seen.includes("message:echo: b"), 5000, "queued echoes");
    client.close();
    await waitUntil(() => seen.includes("close:false"), 5000, "close");
    // A clock to wait on: a client with the same backoff, to a port nobody listens on.
    // By its third attempt (at least 375 ms of backoff) the closed client, whose first
    // reconnect would come within 250 ms, would have been back.
    const sibling = connect(await deadUrl());
    open.push(sibling);
    const siblingSeen = record(sibling);
    await waitUntil(() => siblingSeen.includes("reconnect:3"), 10_000, "the sibling's third attempt");
    expect(seen.some((s) => s.startsWith("reconnect") || s.startsWith("open:true"))).toBe(false);
    expect(runtime.endpoints()[0]?.sessions).toBe(0);
    expect(client.readyState).toBe(3);
    expect(() => client.send("late")).toThrow(/after close/);
    await project.dispose();
  });
});

describe("reconnecting client: refusals and hello", () => {
  it("stops on a 4xx refusal with a refused event; a plain GET tells the refusal for a few seconds, then 426", async () => {
    const project = await TempProject.create({ ...ECHO, "p/gate.js": "exports.onHandshake = () => false;", "p/gate.websocket": descriptor("gate", "p/gate") });
    const runtime = await serve(project);
    const client = connect(runtime.serviceUrl("gate"), { minDelayMs: 20, maxDelayMs: 50 });
    open.push(client);
    const seen = record(client);
    await waitUntil(() => seen.some((s) => s.startsWith("refused")), 5000, "refused");
    expect(seen).toEqual(["close:false", 'refused:403:Endpoint "gate" refused the connection: onHandshake returned false']);
    expect(client.readyState).toBe(3);
    expect(() => client.send("x")).toThrow(/refusal/);
    const asked = await fetch(runtime.serviceUrl("gate").replace(/^ws/, "http"), { headers: { Origin: "https://elsewhere.example" } });
    expect(asked.status).toBe(403);
    expect(asked.headers.get("access-control-allow-origin")).toBe("https://elsewhere.example");
    expect(asked.headers.get("access-control-expose-headers")).toBe("Aerostat-Refusal");
    expect(decodeURIComponent(asked.headers.get("aerostat-refusal")!)).toMatch(/onHandshake returned false/);
    // Another URL (or another address) was not refused: the usual 426.
    expect((await fetch(runtime.serviceUrl("echo").replace(/^ws/, "http"))).status).toBe(426);
    await project.dispose();
  });

  it("keeps retrying when a plain GET answers 4xx without aerostat's Aerostat-Refusal header (a proxy, say)", async () => {
    const asked: string[] = [];
    // What a proxy in front of a server that is down might answer to the plain GET.
    const proxy = async (input: string) => {
      asked.push(input);
      return { status: 404, headers: { get: () => null } };
    };
    const client = connect(await deadUrl(), { minDelayMs: 20, maxDelayMs: 40, fetch: proxy });
    open.push(client);
    const seen = record(client);
    await waitUntil(() => seen.includes("reconnect:3"), 5000, "third attempt");
    expect(seen.some((s) => s.startsWith("refused"))).toBe(false);
    expect(asked[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/websockets\/v4\/service\/nowhere$/);
  });

  it("runs hello after every open and before the queue flushes, across a server restart on the same port", async () => {
    // The handler answers "say" only from a session that joined first.
    const ROOM = {
      "p/room.js": `
        exports.onMessage = (m, c) => {
          const msg = JSON.parse(m);
          if (msg.type === "join") { c.data = { room: msg.room }; return "joined " + msg.room; }
          if (!c.data) return "refused: join a room first";
          return c.data.room + ": " + msg.text;
        };`,
      "p/room.websocket": descriptor("room", "p/room"),
    };
    const project = await TempProject.create(ROOM);
    const first = await serve(project);
    const port = Number(new URL(first.url).port);
    let hellos = 0;
    const client = connect(first.serviceUrl("room"), {
      minDelayMs: 50,
      maxDelayMs: 200,
      hello: async (socket) => {
        hellos++;
        await new Promise((r) => setTimeout(r, 20)); // an await inside hello (a token refresh, say) still goes first
        socket.send(JSON.stringify({ type: "join", room: "lobby" }));
      },
    });
    open.push(client);
    const seen = record(client);
    client.send(JSON.stringify({ type: "say", text: "one" }));
    await waitUntil(() => seen.includes("message:lobby: one"), 5000, "first say");
    // hello's join went out before the queued say (open fires once hello settles, maybe before the reply).
    expect(seen.filter((s) => s.startsWith("message:"))).toEqual(["message:joined lobby", "message:lobby: one"]);

    await first.close(200);
    await waitUntil(() => seen.includes("close:true"), 5000, "close");
    client.send(JSON.stringify({ type: "say", text: "two" }));
    await serve(project, port);
    await waitUntil(() => seen.includes("message:lobby: two"), 10_000, "queued say after re-join");
    const after = seen.slice(seen.indexOf("close:true"));
    expect(after.filter((s) => s.startsWith("message:"))).toEqual(["message:joined lobby", "message:lobby: two"]);
    expect(after.filter((s) => s.startsWith("open"))).toEqual(["open:true"]);
    expect(hellos).toBe(2);
    expect(seen.some((s) => s.includes("refused: join"))).toBe(false);
    await project.dispose();
  });

  it("closes and retries when hello throws; the queue waits for a hello that works", async () => {
    const project = await TempProject.create(ECHO);
    const runtime = await serve(project);
    let calls = 0;
    const client = connect(runtime.serviceUrl("echo"), {
      minDelayMs: 20,
      maxDelayMs: 50,
      hello: (socket) => {
        calls++;
        if (calls < 3) throw new Error(`no token yet (${calls})`);
        socket.send("hello");
      },
    });
    open.push(client);
    const seen = record(client);
    const errors: string[] = [];
    client.on("error", (e) => errors.push(e.message));
    client.send("queued");
    await waitUntil(() => seen.includes("message:echo: queued"), 5000, "queued echo");
    expect(errors).toEqual(["hello failed: no token yet (1)", "hello failed: no token yet (2)"]);
    expect(seen.filter((s) => s.startsWith("message:"))).toEqual(["message:echo: hello", "message:echo: queued"]);
    expect(seen.filter((s) => s.startsWith("open"))).toEqual(["open:false"]);
    await project.dispose();
  });
});

describe("backoffDelay", () => {
  it("doubles from minDelayMs, is capped at maxDelayMs, and keeps half of each wait random", () => {
    const options = { minDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.5 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, options, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, options, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
  });
});
