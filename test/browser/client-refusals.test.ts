import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../helpers/browser.js";
import { TestClient } from "../helpers/client.js";
import { descriptor, TempProject } from "../helpers/project.js";
import { createTestRuntime, LogCapture, startProject, waitUntil, type TestRuntime } from "../helpers/runtime.js";
import type { Runtime } from "../../src/index.js";

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** A page that loads the client and records what each of its sockets emits, by name. */
const PAGE = `<!doctype html><title>refusals</title><script type="module">
import { connect } from "/websockets/v4/client.js";
window.events = {};
window.start = (name, url) => {
  const seen = (window.events[name] = []);
  const socket = connect(url, { minDelayMs: 50, maxDelayMs: 100 });
  for (const type of ["open", "close", "reconnect", "refused"]) {
    socket.on(type, (e) => seen.push(type === "refused" ? "refused:" + e.status + ":" + e.reason : type === "reconnect" ? "reconnect:" + e.attempt : type));
  }
};
window.ready = true;
</script>`;

const FILES = {
  "public/index.html": PAGE,
  "p/open.js": "exports.onMessage = (m) => m;",
  "p/open.websocket": descriptor("open", "p/open"),
  "p/gate.js": "exports.onHandshake = () => false; exports.onMessage = (m) => m;",
  "p/gate.websocket": descriptor("gate", "p/gate"),
  "p/full.js": "exports.onMessage = (m) => m;",
  "p/full.websocket": descriptor("full", "p/full", { maxSessions: 1 }),
};

async function openPage(runtime: TestRuntime): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${runtime.runtime.url}/`);
  await page.waitForFunction(() => (globalThis as unknown as { ready?: boolean }).ready === true);
  return page;
}

const events = (page: Page, name: string) => page.evaluate((n) => (globalThis as unknown as { events: Record<string, string[]> }).events[n] ?? [], name);
const refusedLines = (served: TestRuntime, endpoint: string) =>
  served.logs.lines.filter((l) => /^refused a handshake/.test(l.msg) && l.endpoint === endpoint);

describe("the reconnecting client in Chromium, refused", () => {
  it("stops on 404 and 403 with a refused event, and keeps retrying on 503", async () => {
    const served = await startProject(FILES);
    const holder = await TestClient.connect(served.url("full"));
    const page = await openPage(served);
    const base = served.runtime.serviceUrl("").replace(/\/$/, "/");
    const crossOrigin = (endpoint: string) => served.runtime.serviceUrl(endpoint).replace("127.0.0.1", "localhost");
    await page.evaluate(
      ([b, cross]) => {
        const w = globalThis as unknown as { start(name: string, url: string): void };
        w.start("missing", b + "missing");
        w.start("gate", b + "gate");
        w.start("origin", cross);
        w.start("full", b + "full");
      },
      [base, crossOrigin("open")] as const,
    );
    await waitUntil(async () => (await events(page, "missing")).some((e) => e.startsWith("refused")), 10_000, "404 refused");
    await waitUntil(async () => (await events(page, "gate")).some((e) => e.startsWith("refused")), 10_000, "403 refused");
    await waitUntil(async () => (await events(page, "origin")).some((e) => e.startsWith("refused")), 10_000, "origin refused");
    // The 503 client is the clock: by its fourth attempt the refused ones would have retried.
    await waitUntil(async () => (await events(page, "full")).includes("reconnect:4"), 10_000, "503 retried");

    expect(await events(page, "missing")).toEqual(['close', 'refused:404:No endpoint "missing" is mounted.']);
    expect(await events(page, "gate")).toEqual(['close', 'refused:403:Endpoint "gate" refused the connection: onHandshake returned false']);
    const origin = await events(page, "origin");
    expect(origin).toHaveLength(2);
    expect(origin[1]).toMatch(/^refused:403:Origin http:\/\/127\.0\.0\.1:\d+ may not connect to "open"/);
    // The server saw one handshake from each refused client, and many from the one told 503.
    expect(refusedLines(served, "gate")).toHaveLength(1);
    expect(refusedLines(served, "open")).toHaveLength(1);
    expect(refusedLines(served, "full").length).toBeGreaterThanOrEqual(4);
    expect((await events(page, "full")).some((e) => e.startsWith("refused"))).toBe(false);
    holder.close();
    await page.close();
  });
});

/** A chat page whose client joins its room in hello, before anything it queued goes out. */
const CHAT_PAGE = `<!doctype html><title>hello</title><script type="module">
import { connect } from "/websockets/v4/client.js";
window.log = [];
const chat = connect("ws://" + location.host + "/websockets/v4/service/room", {
  minDelayMs: 50,
  maxDelayMs: 200,
  hello: async (socket) => {
    await new Promise((r) => setTimeout(r, 20)); // a token fetch, say
    socket.send(JSON.stringify({ type: "join", room: "lobby" }));
  },
});
chat.on("message", (e) => window.log.push(e.data));
chat.on("open", (e) => window.log.push("open:" + e.reconnected));
chat.on("close", () => window.log.push("close"));
window.say = (text) => chat.send(JSON.stringify({ type: "say", text }));
</script>`;

const ROOM = {
  "public/index.html": CHAT_PAGE,
  // Answers "say" only from a session that joined a room first.
  "p/room.js": `
    exports.onMessage = (m, c) => {
      const msg = JSON.parse(m);
      if (msg.type === "join") { c.data = { room: msg.room }; return "joined " + msg.room; }
      if (!c.data) return "refused: join a room first";
      return c.data.room + ": " + msg.text;
    };`,
  "p/room.websocket": descriptor("room", "p/room"),
};

describe("the reconnecting client in Chromium, hello", () => {
  it("re-joins in hello before its queued messages go out, across a server restart on the same port", async () => {
    const project = await TempProject.create(ROOM);
    const runtimes: Runtime[] = [];
    const serve = async (port: number) => {
      const runtime = createTestRuntime({ projectRoot: project.root, port, host: "127.0.0.1", logger: new LogCapture().logger, watch: false });
      runtimes.push(runtime);
      await runtime.listen();
      return runtime;
    };
    const page = await browser.newPage();
    try {
      const first = await serve(0);
      const port = Number(new URL(first.url).port);
      await page.goto(`${first.url}/`);
      const log = () => page.evaluate(() => (globalThis as unknown as { log: string[] }).log.slice());
      const say = (text: string) => page.evaluate((t) => (globalThis as unknown as { say(t: string): void }).say(t), text);
      await waitUntil(async () => (await log()).includes("open:false"), 10_000, "open");
      await say("one");
      await waitUntil(async () => (await log()).includes("lobby: one"), 10_000, "first say");

      await first.close(200);
      await waitUntil(async () => (await log()).includes("close"), 10_000, "dropped");
      await say("two"); // queued while the server is away
      await serve(port);
      await waitUntil(async () => (await log()).includes("lobby: two"), 15_000, "queued say after re-join");
      const seen = await log();
      // Answers only (open may come before or after the join's answer): each join went out before the queued say.
      const answers = (from: string[]) => from.filter((l) => !l.startsWith("open") && l !== "close");
      const drop = seen.indexOf("close");
      expect(answers(seen.slice(0, drop))).toEqual(["joined lobby", "lobby: one"]);
      expect(answers(seen.slice(drop))).toEqual(["joined lobby", "lobby: two"]);
      expect(seen.filter((l) => l.startsWith("open"))).toEqual(["open:false", "open:true"]);
      expect(seen.some((l) => l.startsWith("refused"))).toBe(false);
    } finally {
      await page.close();
      for (const r of runtimes) await r.close(200);
      await project.dispose();
    }
  });
});
